/* geyser dashboard: a small hash-routed page over /api/v1, charts with
 * uPlot, refreshed by polling. No framework, no build step. */
"use strict";

const REFRESH_MS = 2000;
const $view = document.getElementById("view");
const charts = []; /* uPlot instances of the current page, for tests */
window.geyser = { charts, ready: false };
let timer = null;
let generation = 0;

async function api(path) {
  const r = await fetch(path, { headers: { Accept: "application/json" } });
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || r.statusText);
  return body;
}

function esc(s) {
  return String(s).replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}
function fmt(x, digits = 1) {
  return x == null || !isFinite(x) ? "–" : Number(x).toLocaleString("en", { maximumFractionDigits: digits, minimumFractionDigits: digits });
}
/* The cloud's clock is seconds since the daemon started (simulated ones on
 * the simulated cloud, wall-clock ones on a real one): show day and time. */
function clock(t) {
  const d = Math.floor(t / 86400), s = t - d * 86400;
  const hh = String(Math.floor(s / 3600)).padStart(2, "0"), mm = String(Math.floor((s % 3600) / 60)).padStart(2, "0");
  return `day ${d + 1}, ${hh}:${mm}`;
}
function card(label, value, sub, cls = "") {
  return `<div class="card"><div class="label">${esc(label)}</div><div class="value ${cls}">${value}</div><div class="sub">${sub || "&nbsp;"}</div></div>`;
}

function clearCharts() {
  for (const c of charts) c.destroy();
  charts.length = 0;
}

/* One uPlot per element, resized to its container. */
function plot(el, opts, data) {
  const u = new uPlot(Object.assign({ width: el.clientWidth || 800, height: 260 }, opts), data, el);
  charts.push(u);
  return u;
}
const axisTime = { stroke: "#6b7380", grid: { stroke: "#eef0f3" }, values: (u, ticks) => ticks.map(clock), space: 120 };
const axis = (label, side, fmtFn) => ({ label, side, stroke: "#6b7380", grid: { stroke: side === 1 ? "transparent" : "#eef0f3" }, values: (u, t) => t.map(fmtFn), size: 60 });
function setData(u, data) { u.setData(data); }

/* ---------- overview ---------- */
let overviewSpan = 86400; /* the range the charts and the saving card cover */
async function overview(gen) {
  const span = overviewSpan, step = Math.max(60, Math.round(span / 288));
  const [s, series, energy] = await Promise.all([api("/api/v1/status"),
    api(`/api/v1/series?from=now-${span}&step=${step}`), api(`/api/v1/energy?from=now-${span}`)]);
  if (gen !== generation) return;
  const hours = span / 3600;
  if (!document.getElementById("c-power")) {
    $view.innerHTML = `<h1>Overview <span class="range" id="range">${[3600, 21600, 86400].map(r =>
      `<button data-span="${r}" class="${r === span ? "active" : ""}">${r / 3600} h</button>`).join("")}</span></h1>
      <div class="cards" id="cards"></div>
      <div class="panel"><h2>Power of the cloud against the no-management baseline, last ${hours} h</h2><div id="c-power" class="chart"></div></div>
      <div class="panel"><h2>Hosts on, last ${hours} h</h2><div id="c-on" class="chart"></div></div>`;
    document.getElementById("range").addEventListener("click", e => {
      const r = e.target.dataset && e.target.dataset.span;
      if (r) { overviewSpan = Number(r); route(); }
    });
  }
  const today = s.today;
  document.getElementById("cards").innerHTML =
    card("Power now", fmt(s.power_w / 1000, 1) + " kW", `baseline ${fmt(s.baseline_power_w / 1000, 1)} kW`) +
    card("Energy today", fmt(today.energy_kwh, 1) + " kWh", `baseline ${fmt(today.baseline_kwh, 1)} kWh · saving ${fmt(today.saving_pct, 1)} %`) +
    card(`Saving, last ${hours} h`, fmt(energy.saving_kwh, 1) + " kWh", energy.saving_pct == null ? "–" : `${fmt(energy.saving_pct, 1)} % of ${fmt(energy.baseline_kwh, 1)} kWh`, "good") +
    card("Hosts", `${s.hosts_on} <span class="muted" style="font-size:15px">on</span>`, `${s.hosts_off} off · ${s.hosts_booting} booting · ${s.hosts} in all`) +
    card("Migrations, last hour", String(s.migrations_last_hour), `${s.migrations} since start`);
  const data = [series.t, series.power_w.map(x => x == null ? null : x / 1000), series.baseline_power_w.map(x => x == null ? null : x / 1000)];
  const on = [series.t, series.hosts_on];
  if (!charts.length) {
    plot(document.getElementById("c-power"), {
      series: [{ label: "time", value: (u, v) => v == null ? "" : clock(v) }, { label: "geyser", stroke: "#2f6fdb", width: 2, points: { show: false }, fill: "rgba(47,111,219,.08)", value: (u, v) => fmt(v, 1) + " kW" },
        { label: "baseline (every host on)", stroke: "#9aa3af", width: 1.5, dash: [6, 4], points: { show: false }, value: (u, v) => fmt(v, 1) + " kW" }],
      axes: [axisTime, axis("kW", 3, v => fmt(v, 0))], scales: { x: { time: false }, y: { range: (u, mn, mx) => [0, Math.max(1, mx * 1.1)] } },
    }, data);
    plot(document.getElementById("c-on"), {
      height: 180,
      series: [{ label: "time", value: (u, v) => v == null ? "" : clock(v) }, { label: "hosts on", stroke: "#1f9d6b", width: 2, points: { show: false }, fill: "rgba(31,157,107,.08)", value: (u, v) => fmt(v, 0) }],
      axes: [axisTime, axis("hosts", 3, v => fmt(v, 0))], scales: { x: { time: false }, y: { range: (u, mn, mx) => [0, Math.max(1, mx * 1.1)] } },
    }, on);
  } else {
    setData(charts[0], data);
    setData(charts[1], on);
  }
}

/* ---------- host grid ---------- */
function utilColour(u) {
  /* calm green for light load, amber then red as a host fills up */
  const x = Math.max(0, Math.min(1, u));
  if (x < 0.8) return `hsl(150,55%,${86 - x / 0.8 * 48}%)`;
  if (x < 0.95) return `hsl(35,85%,52%)`;
  return `hsl(3,65%,50%)`;
}
async function hostsPage(gen) {
  const h = await api("/api/v1/hosts");
  if (gen !== generation) return;
  let grid = document.getElementById("grid");
  if (!grid) {
    $view.innerHTML = `<h1>Hosts</h1><div class="panel">
      <div class="legend"><span><i class="ramp"></i>on: CPU utilization 0 → 80 % (green), above 80 % (amber), saturated (red)</span><span><i style="background:var(--transit)"></i>booting / shutting down</span><span><i style="background:var(--off)"></i>off</span><span id="grid-summary"></span></div>
      <div id="grid" class="grid"></div></div>
      <div class="panel"><h2>Every host, last 24 h <span class="muted" style="font-weight:400" id="heat-range"></span></h2>
      <div class="legend"><span>one row per host, one column per minute, coloured as the grid</span></div><canvas id="heat" class="heat"></canvas></div>`;
    grid = document.getElementById("grid");
    heatAt = 0;
    grid.innerHTML = h.hosts.map(x => `<a class="cell" href="#/host/${encodeURIComponent(x.name)}" data-host="${esc(x.name)}"></a>`).join("");
  }
  const cells = grid.children;
  let on = 0, power = 0;
  h.hosts.forEach((x, i) => {
    const c = cells[i];
    if (!c) return;
    c.className = "cell " + x.state;
    c.style.background = x.state === "on" ? utilColour(x.cpu_utilization) : "";
    c.title = `${x.name} (${x.server_type})\n${x.state}, ${fmt(x.power_w, 0)} W, CPU ${fmt(100 * x.cpu_utilization, 0)} %, ${x.vms} VMs`;
    on += x.state === "on"; power += x.power_w;
  });
  document.getElementById("grid-summary").textContent = `${h.hosts.length} hosts · ${on} on · ${fmt(power / 1000, 1)} kW`;
  /* The grid first (the page is usable), then the day (once a minute). */
  hostsHeatmap(gen).catch(e => { document.getElementById("heat-range").textContent = e.message; });
}

/* ---------- a day of every host (the hosts page) ----------
 * /api/v1/hosts-series?format=u16: 16-bit values read in place through
 * typed-array views (a day of one-minute data for 1000 hosts is 5.8 MB;
 * as JSON it is 10.7 MB that the browser must receive, decode and parse). */
async function hostsSeriesU16(query) {
  const r = await fetch(`/api/v1/hosts-series?${query}&format=u16`);
  if (!r.ok) throw new Error((await r.json()).error || r.statusText);
  const buf = await r.arrayBuffer();
  const dv = new DataView(buf);
  if (dv.getUint32(0, true) !== 0x31534847) throw new Error("hosts-series: not a GHS1 answer"); /* "GHS1" */
  const hl = dv.getUint32(4, true);
  const head = JSON.parse(new TextDecoder().decode(new Uint8Array(buf, 8, hl)));
  const all = new Uint16Array(buf, 8 + hl, head.hosts.length * 2 * head.n);
  const n = head.n;
  /* Raw quantized views per host; watts = power_min + q * power_scale,
   * utilization = q / 65534, 65535 = no data. */
  head.power = h => all.subarray(h * 2 * n, h * 2 * n + n);
  head.util = h => all.subarray(h * 2 * n + n, h * 2 * n + 2 * n);
  return head;
}
window.geyser.hostsSeriesU16 = hostsSeriesU16; /* for bench/dashboard.mjs */
/* Colour by utilization as in the grid, grey where the host is off. */
const heatLut = (() => {
  const lut = new Uint32Array(257), el = document.createElement("canvas").getContext("2d");
  for (let i = 0; i <= 256; i++) {
    el.fillStyle = i === 256 ? "#c9ced6" : utilColour(i / 255);
    el.fillRect(0, 0, 1, 1);
    const [r, g, b] = el.getImageData(0, 0, 1, 1).data;
    lut[i] = (255 << 24) | (b << 16) | (g << 8) | r; /* RGBA little-endian */
  }
  return lut;
})();
/* One pixel per host and sample: the canvas is scaled by CSS. */
function drawHeatmap(canvas, s) {
  const rows = s.hosts.length, cols = s.n;
  canvas.width = Math.max(1, cols); canvas.height = Math.max(1, rows);
  const ctx = canvas.getContext("2d"), img = ctx.createImageData(canvas.width, canvas.height);
  const px = new Uint32Array(img.data.buffer);
  for (let h = 0; h < rows; h++) {
    const p = s.power(h), u = s.util(h), row = h * cols;
    for (let k = 0; k < cols; k++) {
      if (p[k] === 65535) continue; /* transparent: no data */
      /* Off (standby draw) or mostly off over the minute: under half the idle power. */
      const off = s.power_min[h] + p[k] * s.power_scale[h] < s.idle_w[h] / 2;
      px[row + k] = heatLut[off ? 256 : (u[k] >> 8)];
    }
  }
  ctx.putImageData(img, 0, 0);
}
const HEAT_REFRESH_MS = 60000;
let heatAt = 0;
async function hostsHeatmap(gen) {
  const box = document.getElementById("heat");
  if (!box || Date.now() - heatAt < HEAT_REFRESH_MS) return;
  heatAt = Date.now();
  const t0 = performance.now();
  const s = await hostsSeriesU16("from=now-86400&step=60");
  if (gen !== generation) return;
  drawHeatmap(box, s);
  document.getElementById("heat-range").textContent = s.n ? `${clock(s.t[0])} → ${clock(s.t[s.n - 1])}, ${s.hosts.length} hosts × ${s.n} samples` : "no data yet";
  window.geyser.heatmap = { hosts: s.hosts.length, n: s.n, ms: performance.now() - t0 };
}

/* ---------- one host ---------- */
function eventRows(events) {
  if (!events.length) return `<tr><td colspan="4" class="muted">No events in this range.</td></tr>`;
  return events.map(e => `<tr><td>${clock(e.t)}</td><td><span class="tag ${e.type}">${e.type.replace("_", " ")}</span></td>
    <td>${e.type === "migration" ? `${esc(e.vm)}: <a href="#/host/${encodeURIComponent(e.host)}">${esc(e.host)}</a> → <a href="#/host/${encodeURIComponent(e.target)}">${esc(e.target)}</a> (${esc(e.mode)}, ~${fmt(e.duration_s, 0)} s)` : `<a href="#/host/${encodeURIComponent(e.host)}">${esc(e.host)}</a>`}</td>
    <td class="muted">${esc(e.reason)}</td></tr>`).join("");
}
/* Vertical marks for events on a host chart. */
function eventMarks(getEvents) {
  return { hooks: { draw: [u => {
    const ctx = u.ctx, top = u.bbox.top, h = u.bbox.height;
    ctx.save();
    for (const e of getEvents()) {
      const x = u.valToPos(e.t, "x", true);
      if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
      ctx.strokeStyle = e.type === "migration" ? "rgba(47,111,219,.55)" : e.type.startsWith("power") ? "rgba(217,139,26,.8)" : "rgba(200,66,59,.7)";
      ctx.lineWidth = 1.5 * devicePixelRatio;
      ctx.setLineDash(e.type === "migration" ? [4, 4] : []);
      ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + h); ctx.stroke();
    }
    ctx.restore();
  }] } };
}
async function hostPage(gen, name) {
  const [h, s] = await Promise.all([api(`/api/v1/hosts/${encodeURIComponent(name)}`),
    api(`/api/v1/hosts/${encodeURIComponent(name)}/series?from=now-21600&step=300`)]);
  if (gen !== generation) return;
  const events = s.events;
  if (!document.getElementById("c-host")) {
    $view.innerHTML = `<h1>${esc(h.name)} <span class="muted" style="font-weight:400">${esc(h.server_type)}</span></h1>
      <div class="cards" id="host-cards"></div>
      <div class="panel"><h2>Power and CPU utilization, last 6 hours <span class="muted" style="font-weight:400">(marks: <span style="color:#2f6fdb">┆ migration</span>, <span style="color:#d98b1a">│ power on/off</span>, <span style="color:#c8423b">│ overload</span>)</span></h2><div id="c-host" class="chart"></div></div>
      <div class="two"><div class="panel"><h2>Events</h2><table><thead><tr><th>when</th><th>what</th><th>where</th><th>why</th></tr></thead><tbody id="host-events"></tbody></table></div>
      <div class="panel"><h2>VMs on this host</h2><table><thead><tr><th>VM</th><th>CPU</th><th>energy</th></tr></thead><tbody id="host-vms"></tbody></table></div></div>`;
    const marks = eventMarks(() => window.geyser.hostEvents || []);
    plot(document.getElementById("c-host"), {
      plugins: [marks],
      series: [{ label: "time", value: (u, v) => v == null ? "" : clock(v) },
        { label: "power", stroke: "#2f6fdb", width: 2, scale: "W", points: { show: false }, value: (u, v) => fmt(v, 0) + " W" },
        { label: "CPU utilization", stroke: "#1f9d6b", width: 1.5, scale: "%", points: { show: false }, value: (u, v) => fmt(v, 0) + " %" }],
      axes: [axisTime, Object.assign(axis("W", 3, v => fmt(v, 0)), { scale: "W" }), Object.assign(axis("CPU %", 1, v => fmt(v, 0)), { scale: "%" })],
      scales: { x: { time: false }, "%": { range: [0, 100] }, W: { range: (u, mn, mx) => [0, Math.max(50, mx * 1.1)] } },
    }, [s.t, s.power_w, s.cpu_utilization.map(x => x == null ? null : 100 * x)]);
  } else {
    setData(charts[0], [s.t, s.power_w, s.cpu_utilization.map(x => x == null ? null : 100 * x)]);
  }
  window.geyser.hostEvents = events;
  document.getElementById("host-cards").innerHTML =
    card("State", esc(h.state), `${h.enabled ? "enabled" : "disabled"}${h.state_since_s > 0 ? " · since " + clock(h.state_since_s) : " · since start"}`) +
    card("Power", fmt(h.power_w, 0) + " W", `model: ${esc(h.model)}`) +
    card("CPU", fmt(100 * h.cpu_utilization, 0) + " %", `${fmt(h.capacity, 0)} MIPS`) +
    card("VMs", String(h.vms), `${fmt(h.ram_mb / 1024, 0)} GiB RAM`) +
    card("Energy", fmt(h.energy_j / 3.6e6, 2) + " kWh", "since start");
  document.getElementById("host-events").innerHTML = eventRows(events.slice(0, 50));
  document.getElementById("host-vms").innerHTML = h.vm_list.length ? h.vm_list.map(v => `<tr><td>${esc(v.name)}</td><td>${fmt(100 * v.cpu_utilization, 0)} %</td><td>${fmt(v.energy_j / 3.6e6, 3)} kWh</td></tr>`).join("") : `<tr><td colspan="3" class="muted">No VM.</td></tr>`;
}

/* ---------- events ---------- */
async function eventsPage(gen) {
  const e = await api("/api/v1/events?from=now-21600&limit=300");
  if (gen !== generation) return;
  $view.innerHTML = `<h1>Events <span class="muted" style="font-weight:400">last 6 hours, newest first</span></h1>
    <div class="panel"><table><thead><tr><th>when</th><th>what</th><th>where</th><th>why</th></tr></thead><tbody id="events">${eventRows(e.events)}</tbody></table></div>`;
}

/* ---------- plan ---------- */
/* What one action is expected to cost or save, in a few words. */
function estimateText(a) {
  const e = a.estimate || {};
  if (a.type === "migrate" && e.time_s != null)
    return `${fmt(e.time_s, 1)} s, ${fmt(e.data_mb / 1024, 2)} GB, pause ${fmt(e.downtime_ms, 0)} ms${e.mode !== a.mode ? ` (runs as ${esc(e.mode)})` : ""}${e.converges ? "" : ", would not converge"}`;
  if (e.saving_w != null && e.saving_w !== 0) return e.saving_w > 0 ? `saves ${fmt(e.saving_w, 0)} W` : `adds ${fmt(-e.saving_w, 0)} W`;
  return "";
}
/* Writes through the API (the plan's approval, admitting a job, setting a
 * cap) carry the daemon's bearer token, typed once into any token field and
 * kept in sessionStorage (this tab only). */
const TOKEN_KEY = "geyser.token";
function tokenField(id) {
  return `<label class="token">bearer token <input id="${id}" class="token-input" type="password" autocomplete="off" size="32" value="${esc(sessionStorage.getItem(TOKEN_KEY) || "")}"></label>`;
}
/* POST with the token; the answer's status and JSON body (an empty object
 * when it is not JSON), never a throw for a refusal. */
async function authPost(path) {
  const token = sessionStorage.getItem(TOKEN_KEY) || "";
  const r = await fetch(path, { method: "POST", headers: { Accept: "application/json", Authorization: `Bearer ${token}` } });
  const body = await r.json().catch(() => ({}));
  return { status: r.status, ok: r.ok, body, error: body.error || r.statusText };
}
$view.addEventListener("input", ev => { if (ev.target.classList.contains("token-input")) sessionStorage.setItem(TOKEN_KEY, ev.target.value.trim()); });

/* Manual mode: the waiting plan is approved or discarded with the token. */
let planMessage = "";
function planApproval(p) {
  if (p.mode !== "manual")
    return `<div class="panel" id="plan-approval"><span class="tag">dry run</span> ${p.mode === "auto" ? "auto mode: each plan is executed at its control interval, this view shows what was done" : "observe mode: nothing is executed"}.</div>`;
  const waiting = p.waiting ? `plan #${p.id} waits for approval: every action is checked again against the cloud when it is applied` : `plan #${p.id} is not waiting (applied, discarded or empty); the next comes at ${clock(p.next_control_s)}`;
  return `<div class="panel" id="plan-approval"><h2>Approval</h2><p>${waiting}</p>
    ${tokenField("plan-token")}
    <button id="plan-apply" data-id="${p.id}" ${p.waiting ? "" : "disabled"}>Apply</button>
    <button id="plan-discard" data-id="${p.id}" ${p.waiting ? "" : "disabled"}>Discard</button>
    <span id="plan-msg" class="muted">${esc(planMessage)}</span></div>`;
}
async function planPost(id, verb) {
  const r = await authPost(`/api/v1/plan/${encodeURIComponent(id)}/${verb}`);
  if (!r.ok) { planMessage = `refused (HTTP ${r.status}): ${r.error}`; return; }
  const n = o => (r.body.actions || []).filter(a => a.outcome === o).length;
  planMessage = verb === "apply" ? `plan #${id} applied: ${n("done")} done, ${n("refused")} refused, ${n("failed")} failed` : `plan #${id} discarded`;
}
$view.addEventListener("click", async ev => {
  const b = ev.target.closest("#plan-apply, #plan-discard");
  if (!b) return;
  b.disabled = true;
  await planPost(b.dataset.id, b.id === "plan-apply" ? "apply" : "discard");
  route(); /* re-render now with the outcomes */
});
async function planPage(gen) {
  /* Not while the token is being typed: the re-render would lose it. */
  if (document.activeElement && document.activeElement.id === "plan-token") return;
  const p = await api("/api/v1/plan");
  if (gen !== generation) return;
  const e = p.estimate || {};
  const rows = p.actions.length ? p.actions.map((a, i) => `<tr><td>${i + 1}</td><td><span class="tag">${esc(a.type.replace("_", " "))}</span></td>
    <td>${a.vm ? `${esc(a.vm)}: ` : ""}<a href="#/host/${encodeURIComponent(a.host)}">${esc(a.host)}</a>${a.target ? ` → <a href="#/host/${encodeURIComponent(a.target)}">${esc(a.target)}</a>` : ""}</td>
    <td>${esc(a.reason)}${a.detail ? `<div class="muted">${esc(a.detail)}</div>` : ""}</td><td class="muted">${estimateText(a)}</td><td><span class="tag ${a.outcome}">${esc(a.outcome)}</span></td></tr>`).join("")
    : `<tr><td colspan="6" class="muted">Nothing to do: every host is within its thresholds.</td></tr>`;
  const saving = e.saving_w == null ? "–" : `${e.saving_w < 0 ? "−" : ""}${fmt(Math.abs(e.saving_w) / 1000, 2)} kW`;
  const savingSub = e.saving_w == null ? "" : `${fmt(e.saving_kwh_per_day, 1)} kWh a day · ${e.hosts_emptied} host(s) emptied, ${e.hosts_woken} woken`;
  const cost = e.migrations ? `${fmt(e.migration_data_mb / 1024, 1)} GB` : "none";
  const costSub = e.migrations ? `${e.migrations} migration(s), ${fmt(e.migration_s, 0)} s in all, longest pause ${fmt(e.max_downtime_ms, 0)} ms, ${fmt(e.migration_energy_j / 1000, 1)} kJ${e.payback_s != null && e.payback_s > 0 ? ` · paid back in ${fmt(e.payback_s, 0)} s` : ""}` : "no VM moves";
  $view.innerHTML = `<h1>Plan <span id="plan-id" class="muted" style="font-weight:400">#${esc(p.id)}</span></h1>
    <div class="cards">${card("Mode", esc(p.mode), p.mode === "auto" ? "acts on every plan" : p.mode === "manual" ? "waits for approval" : "plans only, never acts")}
      ${card("Policy", esc(p.policy), `plan #${esc(p.id)} made at ${clock(p.planned_at_s)}, next at ${clock(p.next_control_s)}`)}${card("Actions", String(p.actions.length), "")}
      ${card("Expected saving", saving, savingSub, e.saving_w > 0 ? "good" : "")}${card("Migration cost", cost, costSub)}</div>
    ${planApproval(p)}
    <div class="panel"><h2>What the controller does next, and why</h2><table><thead><tr><th>#</th><th>action</th><th>on</th><th>reason</th><th>expected</th><th>outcome</th></tr></thead><tbody id="plan">${rows}</tbody></table></div>`;
}

/* ---------- power models ---------- */
async function modelsPage(gen) {
  const m = await api("/api/v1/models");
  if (gen !== generation) return;
  if (!document.getElementById("models")) {
    $view.innerHTML = `<h1>Power models <span class="muted" style="font-weight:400">power against CPU utilization: recent samples and the model curve</span></h1><div id="models" class="two"></div>`;
  } else { clearCharts(); }
  const box = document.getElementById("models");
  box.innerHTML = m.models.map((x, i) => `<div class="panel"><h2>${esc(x.server_type)}</h2>
    <dl class="kv"><dt>model</dt><dd>${esc(x.kind)}, ${fmt(x.idle_w, 0)}–${fmt(x.max_w, 0)} W, ${x.cores} cores × ${fmt(x.core_mips, 0)} MIPS</dd>
    <dt>hosts</dt><dd>${x.hosts} · ${x.samples_util.length} samples shown</dd><dt>fit</dt><dd>${x.fit.r2 == null ? '<span class="muted">not fitted yet (geyser fit)</span>' : "R² " + fmt(x.fit.r2, 3)}</dd></dl>
    <div id="m-${i}" class="chart"></div></div>`).join("");
  m.models.forEach((x, i) => {
    const pts = x.samples_util.map((u, k) => [100 * u, x.samples_power_w[k], null]);
    for (const [u, p] of x.curve) pts.push([100 * u, null, p]);
    pts.sort((a, b) => a[0] - b[0]);
    plot(document.getElementById(`m-${i}`), {
      height: 280,
      series: [{ label: "CPU", value: (u, v) => v == null ? "" : fmt(v, 0) + " %" },
        { label: "samples", stroke: "#2f6fdb", paths: () => null, points: { show: true, size: 6, width: 1, fill: "rgba(47,111,219,.25)", stroke: "#2f6fdb" } },
        { label: "model", stroke: "#c8423b", width: 1.5, dash: [6, 4], spanGaps: true, points: { show: false } }],
      axes: [{ label: "CPU utilization %", stroke: "#6b7380", grid: { stroke: "#eef0f3" } }, axis("W", 3, v => fmt(v, 0))],
      scales: { x: { time: false, range: [0, 100] }, y: { range: (u, mn, mx) => [0, Math.max(50, mx * 1.1)] } },
    }, [pts.map(p => p[0]), pts.map(p => p[1]), pts.map(p => p[2])]);
  });
}

/* ---------- energy supply ---------- */
/* Price, carbon intensity and renewable supply on the cloud's time axis:
 * the last 12 h as measured (the cloud's power from the history, the
 * signals in force) and the next 12 h as forecast (the signal files and the
 * job queue's plan), shaded. Two charts share the axis and the cursor. */
const ENERGY_BACK = 43200, ENERGY_AHEAD = 43200, ENERGY_STEP = 300;
/* The value in force at t of an hourly table (a value holds until the next). */
function stepAt(ts, vs, t) {
  if (!ts || !vs || !ts.length) return null;
  let lo = 0, hi = ts.length - 1;
  if (t < ts[0]) return null;
  while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (ts[mid] <= t) lo = mid; else hi = mid - 1; }
  return vs[lo] == null ? null : vs[lo];
}
/* Shade the forecast part (after now) and mark now. */
function forecastShade(getNow) {
  return { hooks: { draw: [u => {
    const now = getNow(), ctx = u.ctx, { left, top, width, height } = u.bbox;
    const x = u.valToPos(now, "x", true);
    if (!(x >= left && x <= left + width)) return;
    ctx.save();
    ctx.fillStyle = "rgba(107,115,128,.07)";
    ctx.fillRect(x, top, left + width - x, height);
    ctx.strokeStyle = "rgba(29,36,48,.55)"; ctx.lineWidth = devicePixelRatio; ctx.setLineDash([3, 3]);
    ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, top + height); ctx.stroke();
    ctx.fillStyle = "#6b7380"; ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
    ctx.fillText("now", x + 4 * devicePixelRatio, top + 12 * devicePixelRatio);
    ctx.fillText("forecast →", x + 4 * devicePixelRatio, top + 26 * devicePixelRatio);
    ctx.restore();
  }] } };
}
/* The merged hourly table: the day before now, then the forecast. */
function signalTable(sig, kind) {
  const r = sig.recent || {}, f = sig.forecast || {};
  const t = [], v = [];
  for (const tab of [r, f]) {
    if (!tab[kind]) continue;
    tab.time_s.forEach((x, i) => { if (!t.length || x > t[t.length - 1]) { t.push(x); v.push(tab[kind][i]); } });
  }
  return [t, v];
}
function signalCard(label, unit, s, digits) {
  if (!s) return card(label, "–", "no signal");
  const stale = s.stale ? ` · <span class="tag stale">stale live value ${fmt(s.live_value, digits)}</span>` : "";
  const err = s.last_error ? ` · <span class="tag refused" title="${esc(s.last_error)}">last update refused</span>` : "";
  const src = s.source === "live" ? `live, at ${clock(s.live_at_s)}` : s.source === "file" ? "forecast file" : "no data";
  return card(label, s.value == null ? "–" : `${fmt(s.value, digits)} <span class="muted" style="font-size:15px">${unit}</span>`, `${src}${stale}${err}`);
}
function capState(c) {
  if (c.met) return `<span class="tag done">met</span> <span class="muted">after ${fmt(c.met_after_s / 60, 0)} min</span>`;
  if (c.active) return `<span class="tag refused">not met yet</span>`;
  return c.start_s > window.geyser.energyNow ? `<span class="tag planned">upcoming</span>` : `<span class="tag refused">missed</span>`;
}
/* Where re-planning moved a job: an arrow from its previous planned start to
 * the new one near the top of the supply chart, and a dashed line at the new
 * start. */
function replanMarks(getJobs) {
  return { hooks: { draw: [u => {
    const { left, top, width } = u.bbox, dpr = devicePixelRatio;
    const inside = x => x >= left && x <= left + width;
    const clamp = x => Math.max(left, Math.min(left + width, x));
    const ctx = u.ctx;
    ctx.save();
    ctx.font = `${11 * dpr}px system-ui, sans-serif`;
    let row = 0;
    for (const j of getJobs()) {
      const r = j.last_replan, x0 = u.valToPos(r.previous_start_s, "x", true), x1 = u.valToPos(r.new_start_s, "x", true);
      if (!inside(x0) && !inside(x1)) continue;
      const y = top + (40 + 14 * (row++ % 6)) * dpr, a = clamp(x0), b = clamp(x1), dir = Math.sign(b - a) || 1;
      ctx.strokeStyle = ctx.fillStyle = "#8a5cd1";
      ctx.lineWidth = 1.5 * dpr;
      ctx.setLineDash([]);
      ctx.beginPath(); ctx.moveTo(a, y); ctx.lineTo(b, y); ctx.stroke();
      if (inside(x1)) {
        ctx.beginPath(); ctx.moveTo(b, y); ctx.lineTo(b - dir * 6 * dpr, y - 4 * dpr); ctx.lineTo(b - dir * 6 * dpr, y + 4 * dpr); ctx.fill();
        ctx.setLineDash([3, 3]); ctx.lineWidth = dpr;
        ctx.beginPath(); ctx.moveTo(b, top); ctx.lineTo(b, top + u.bbox.height); ctx.stroke();
      }
      ctx.fillText(`${j.name} re-planned`, Math.min(a, b) + 4 * dpr, y - 4 * dpr);
    }
    ctx.restore();
  }] } };
}
function replanText(j) {
  if (!j.replans && !j.last_replan) return `<span class="muted">none</span>`;
  const r = j.last_replan, moved = r && r.moved;
  const last = !r ? "" : moved ? `last ${clock(r.previous_start_s)} → ${clock(r.new_start_s)}` : `last kept at ${clock(r.previous_start_s)}`;
  return `<span class="tag replan" title="${r ? esc(r.reason) : ""}">${j.replans}×</span> ${last}${r ? `<div class="muted why">${esc(r.reason)}</div>` : ""}`;
}
/* The event's reason repeats the job and the move: keep the why. */
const replanWhy = e => String(e.reason).replace(/^job .*?: planned start .*? s -> .*? s: /, "");

/* The forms under the queue: admit a job, set a cap. Their answers stay on
 * the page (the polling re-renders only the tables and charts). */
function energyForms() {
  const f = (id, label, attrs) => `<label>${label} <input id="${id}" ${attrs}></label>`;
  return `<div class="panel"><h2>Write to the queue and the caps</h2><div class="forms-token">${tokenField("energy-token")}
      <span class="muted">the daemon's --token-file; kept for this tab only</span></div>
    <div class="two"><form id="job-form" class="form" autocomplete="off"><h2>Add a deferrable job</h2>
      ${f("job-name", "name", 'required maxlength="47" size="16"')}
      ${f("job-duration", "runs (h)", 'type="number" step="any" min="0" size="6" required')}
      ${f("job-deadline", "done within (h from now)", 'type="number" step="any" min="0" size="6" required')}
      ${f("job-power", "power (kW)", 'type="number" step="any" min="0" size="6" required')}
      ${f("job-cpu", "cores (optional)", 'type="number" step="any" min="0" size="6"')}
      ${f("job-release", "not before (h from now, optional)", 'type="number" step="any" min="0" size="6"')}
      <button type="submit">Add</button><div id="job-msg" class="msg"></div></form>
    <form id="cap-form" class="form" autocomplete="off"><h2>Set a cap</h2>
      ${f("cap-kw", "at most (kW)", 'type="number" step="any" size="6" required')}
      ${f("cap-start", "from (h from now, optional)", 'type="number" step="any" min="0" size="6"')}
      ${f("cap-duration", "for (h)", 'type="number" step="any" min="0" size="6" value="1"')}
      <button type="submit">Set</button><div id="cap-msg" class="msg"></div></form></div></div>`;
}
/* Hours from now as the API's relative time (the daemon resolves "now"). */
const fromNow = h => `now+${Math.round(Number(h) * 3600)}`;
function showAnswer(el, r, text) {
  el.dataset.status = r.status;
  el.className = "msg " + (r.ok ? "good" : "error");
  el.textContent = r.ok ? text : `refused (HTTP ${r.status}): ${r.error}`;
}
async function submitJob() {
  const v = id => document.getElementById(id).value.trim(), q = new URLSearchParams();
  const name = v("job-name");
  q.set("name", name);
  if (v("job-duration")) q.set("duration_s", String(Math.round(Number(v("job-duration")) * 3600)));
  if (v("job-deadline")) q.set("deadline", fromNow(v("job-deadline")));
  if (v("job-power")) q.set("power_kw", v("job-power"));
  if (v("job-cpu")) q.set("cpu", v("job-cpu"));
  if (v("job-release")) q.set("release", fromNow(v("job-release")));
  const r = await authPost(`/api/v1/jobs?${q}`);
  const j = r.ok && (r.body.jobs || []).find(x => x.name === name);
  showAnswer(document.getElementById("job-msg"), r,
    j ? `${name} admitted: planned start ${clock(j.planned_start_s)} (window ${clock(j.release_s)} → ${clock(j.deadline_s)})` : `${name} admitted`);
}
async function submitCap() {
  const v = id => document.getElementById(id).value.trim(), q = new URLSearchParams();
  if (v("cap-kw")) q.set("cap_kw", v("cap-kw"));
  if (v("cap-start")) q.set("start", fromNow(v("cap-start")));
  if (v("cap-duration")) q.set("duration_s", String(Math.round(Number(v("cap-duration")) * 3600)));
  q.set("source", "dashboard");
  const r = await authPost(`/api/v1/caps?${q}`);
  /* The cap set is the one the answer has and the last refresh had not. */
  const seen = new Set((window.geyser.caps || []).map(x => `${x.start_s}/${x.end_s}`));
  const c = r.ok && (r.body.caps || []).find(x => !seen.has(`${x.start_s}/${x.end_s}`));
  showAnswer(document.getElementById("cap-msg"), r, c ? `cap of ${fmt(c.cap_kw, 1)} kW set: ${clock(c.start_s)} → ${clock(c.end_s)}` : "cap set");
}
$view.addEventListener("submit", async ev => {
  if (ev.target.id !== "job-form" && ev.target.id !== "cap-form") return;
  ev.preventDefault();
  const b = ev.target.querySelector("button");
  b.disabled = true;
  try { await (ev.target.id === "job-form" ? submitJob() : submitCap()); } finally { b.disabled = false; }
});
async function energyPage(gen) {
  const [sig, jobs, caps, series, replans] = await Promise.all([api("/api/v1/signals"), api("/api/v1/jobs"), api("/api/v1/caps"),
    api(`/api/v1/series?from=now-${ENERGY_BACK}&step=${ENERGY_STEP}`), api("/api/v1/events?type=replan&from=0&limit=20")]);
  if (gen !== generation) return;
  const now = sig.time_s;
  window.geyser.energyNow = now;
  window.geyser.replanned = jobs.jobs.filter(j => j.last_replan && j.last_replan.moved);
  window.geyser.caps = caps.caps;
  /* One grid for both charts: the history's points, then every 5 minutes
   * up to the forecast's end. */
  const x = series.t.slice();
  let t = x.length ? x[x.length - 1] + ENERGY_STEP : Math.ceil(now / ENERGY_STEP) * ENERGY_STEP;
  for (; t <= now + ENERGY_AHEAD; t += ENERGY_STEP) x.push(t);
  const power = x.map((_, i) => i < series.power_w.length && series.power_w[i] != null ? series.power_w[i] / 1000 : null);
  const [pt, pv] = signalTable(sig, "price"), [ct, cv] = signalTable(sig, "carbon"), [rt, rv] = signalTable(sig, "renewable");
  /* Before the cloud's clock starts there is nothing in force. */
  const inForce = (ts, vs, tt) => tt < 0 ? null : stepAt(ts, vs, tt);
  const price = x.map(tt => inForce(pt, pv, tt)), carbon = x.map(tt => inForce(ct, cv, tt)), ren = x.map(tt => inForce(rt, rv, tt));
  /* The jobs' draw: running or done jobs where they ran, waiting ones where planned. */
  const jobsKw = x.map(tt => {
    let kw = 0;
    for (const j of jobs.jobs) {
      const s0 = j.started_s != null ? j.started_s : j.planned_start_s;
      if (tt >= s0 && tt < s0 + j.duration_s) kw += j.power_kw;
    }
    return kw;
  });
  const capKw = x.map(tt => { const c = caps.caps.find(c => tt >= c.start_s && tt < c.end_s); return c ? c.cap_kw : null; });
  /* What a cap limits: the hosts and the running jobs together (measured part only). */
  const site = power.map((p, i) => p == null || jobsKw[i] === 0 ? null : p + jobsKw[i]);
  window.geyser.energy = { x, power, price, carbon, renewable: ren, jobs: jobsKw, cap: capKw, site, now };
  if (!document.getElementById("c-supply")) {
    $view.innerHTML = `<h1>Energy supply <span class="muted" style="font-weight:400">last 12 h and the next 12 h (shaded: forecast)</span></h1>
      <div class="cards" id="energy-cards"></div>
      <div class="panel"><h2>Power of the cloud, renewable supply, deferrable jobs and caps <span class="muted" style="font-weight:400">(<span style="color:#8a5cd1">→ a re-plan's move</span>)</span></h2><div id="c-supply" class="chart"></div></div>
      <div class="panel"><h2>Electricity price and grid carbon intensity <span class="muted" style="font-weight:400" id="market-note"></span></h2><div id="c-market" class="chart"></div></div>
      <div class="panel"><h2>Deferrable jobs <span class="muted" style="font-weight:400" id="jobs-objective"></span></h2><table><thead><tr><th>job</th><th>window</th><th>runs</th><th>planned start</th><th>state</th><th>re-plans</th></tr></thead><tbody id="jobs"></tbody></table>
      <h2 class="sub-h">Re-plans <span class="muted" style="font-weight:400" id="replan-note"></span></h2><table><thead><tr><th>when</th><th>job</th><th>planned start</th><th>why</th></tr></thead><tbody id="replans"></tbody></table></div>
      <div class="panel"><h2>Demand-response caps</h2><table><thead><tr><th>window</th><th>cap</th><th>from</th><th>state</th><th>max draw</th></tr></thead><tbody id="caps"></tbody></table></div>
      ${energyForms()}`;
    const shade = forecastShade(() => window.geyser.energyNow);
    const sync = { key: "energy" };
    const tseries = { label: "time", value: (u, v) => v == null ? "" : clock(v) };
    const kw = (label, stroke, extra) => Object.assign({ label, stroke, width: 2, points: { show: false }, value: (u, v) => v == null ? "–" : fmt(v, 1) + " kW" }, extra);
    const stepped = uPlot.paths.stepped({ align: 1 });
    /* Whole hours on the shared axis; both charts get a right axis so that
     * their plots are the same width and the times line up. */
    const hours = Object.assign({}, axisTime, { incrs: [3600, 7200, 10800, 21600, 43200, 86400] });
    plot(document.getElementById("c-supply"), {
      plugins: [shade, replanMarks(() => window.geyser.replanned || [])], cursor: { sync },
      series: [tseries, kw("cloud power", "#2f6fdb", { fill: "rgba(47,111,219,.08)" }),
        kw("renewable supply", "#1f9d6b", { paths: stepped, fill: "rgba(31,157,107,.10)" }),
        kw("deferrable jobs", "#8a5cd1", { paths: stepped, width: 1.5 }),
        kw("cap", "#c8423b", { paths: stepped, dash: [6, 4], width: 2 }),
        kw("site draw (cloud + jobs)", "#2f6fdb", { dash: [2, 3], width: 1.5 })],
      axes: [hours, axis("kW", 3, v => fmt(v, 0)), axis("kW", 1, v => fmt(v, 0))],
      scales: { x: { time: false }, y: { range: (u, mn, mx) => [0, Math.max(1, mx * 1.1)] } },
    }, [x, power, ren, jobsKw, capKw, site]);
    plot(document.getElementById("c-market"), {
      height: 220, plugins: [shade], cursor: { sync },
      series: [tseries,
        { label: "price", stroke: "#d98b1a", width: 2, scale: "eur", paths: stepped, points: { show: false }, value: (u, v) => v == null ? "–" : fmt(v, 1) + " EUR/MWh" },
        { label: "carbon intensity", stroke: "#6b7380", width: 2, scale: "co2", paths: stepped, points: { show: false }, value: (u, v) => v == null ? "–" : fmt(v, 0) + " g/kWh" }],
      axes: [hours, Object.assign(axis("EUR/MWh", 3, v => fmt(v, 0)), { scale: "eur" }), Object.assign(axis("gCO₂/kWh", 1, v => fmt(v, 0)), { scale: "co2" })],
      scales: { x: { time: false }, eur: { range: (u, mn, mx) => [Math.min(0, mn), Math.max(1, mx * 1.1)] }, co2: { range: (u, mn, mx) => [0, Math.max(1, mx * 1.1)] } },
    }, [x, price, carbon]);
  } else {
    setData(charts[0], [x, power, ren, jobsKw, capKw, site]);
    setData(charts[1], [x, price, carbon]);
  }
  const active = caps.caps.find(c => c.active);
  const running = jobs.jobs.filter(j => j.state === "running").length, waiting = jobs.jobs.filter(j => j.state === "waiting").length;
  document.getElementById("energy-cards").innerHTML =
    signalCard("Price", "EUR/MWh", sig.signals.price, 1) + signalCard("Carbon intensity", "g/kWh", sig.signals.carbon, 0) +
    signalCard("Renewable supply", "kW", sig.signals.renewable, 1) +
    card("Draw", fmt(caps.draw_kw, 1) + " kW", `jobs ${fmt(caps.jobs_kw, 1)} kW`) +
    card("Cap", active ? fmt(active.cap_kw, 0) + " kW" : "none", active ? (active.met ? "met" : "not met yet") + ` · until ${clock(active.end_s)}` : `${caps.caps.length} in all`, active && !active.met ? "error" : active ? "good" : "") +
    card("Jobs", `${running} <span class="muted" style="font-size:15px">running</span>`, `${waiting} waiting · ${jobs.jobs.length - running - waiting} done`);
  document.getElementById("market-note").textContent = pt.length || ct.length || rt.length ? ""
    : "no signal file: start geyser serve with --signals DIR (price.csv, carbon.csv, renewable.csv)";
  document.getElementById("jobs-objective").textContent = jobs.jobs.length ? `planned for ${jobs.objective}` : "";
  document.getElementById("jobs").innerHTML = jobs.jobs.length ? jobs.jobs.map(j => `<tr><td>${esc(j.name)}</td>
    <td>${clock(j.release_s)} → ${clock(j.deadline_s)}</td><td>${fmt(j.duration_s / 3600, 1)} h · ${fmt(j.power_kw, 1)} kW</td>
    <td>${clock(j.planned_start_s)}${j.started_s != null && j.started_s !== j.planned_start_s ? ` <span class="muted">(started ${clock(j.started_s)})</span>` : ""}</td>
    <td><span class="tag ${j.state === "done" ? "done" : j.state === "running" ? "power_on" : "planned"}">${esc(j.state)}</span>${j.deferred_by_cap ? ' <span class="tag refused">held by a cap</span>' : ""}${j.from === "api" ? ' <span class="tag">api</span>' : ""}</td>
    <td class="replans">${replanText(j)}</td></tr>`).join("")
    : `<tr><td colspan="6" class="muted">No deferrable job (geyser serve --signals DIR with DIR/jobs.csv).</td></tr>`;
  const rp = jobs.replan || {};
  document.getElementById("replan-note").textContent = rp.signal ? `following the ${rp.signal} forecast · ${rp.runs || 0} run(s), ${rp.moves || 0} move(s)${rp.pending ? " · one pending" : ""}` : "";
  document.getElementById("replans").innerHTML = replans.events.length ? replans.events.map(e => `<tr><td>${clock(e.t)}</td><td>${esc(e.job)}</td>
    <td>${e.new_start_s === e.previous_start_s ? `kept at ${clock(e.previous_start_s)}` : `${clock(e.previous_start_s)} → ${clock(e.new_start_s)}`}</td><td class="muted">${esc(replanWhy(e))}</td></tr>`).join("")
    : `<tr><td colspan="4" class="muted">No re-plan yet: a forecast that changes the objective's signal (POST /api/v1/signals/forecast) re-plans the waiting jobs.</td></tr>`;
  document.getElementById("caps").innerHTML = caps.caps.length ? caps.caps.map(c => `<tr><td>${clock(c.start_s)} → ${clock(c.end_s)}</td>
    <td>${fmt(c.cap_kw, 1)} kW</td><td>${esc(c.source || c.from)} <span class="muted">(${esc(c.from)})</span></td><td>${capState(c)}</td>
    <td>${c.max_draw_kw == null ? "–" : fmt(c.max_draw_kw, 1) + " kW"}</td></tr>`).join("")
    : `<tr><td colspan="5" class="muted">No cap (caps.csv in the signals, or POST /api/v1/caps).</td></tr>`;
}

/* ---------- router ---------- */
const routes = [
  [/^#?\/?$/, "overview", overview],
  [/^#\/hosts$/, "hosts", hostsPage],
  [/^#\/host\/(.+)$/, "hosts", hostPage],
  [/^#\/events$/, "events", eventsPage],
  [/^#\/plan$/, "plan", planPage],
  [/^#\/models$/, "models", modelsPage],
  [/^#\/energy$/, "energy", energyPage],
];
async function refresh(gen, fn, args) {
  try {
    await fn(gen, ...args);
    if (gen === generation) { window.geyser.ready = true; window.geyser.page = location.hash || "#/"; }
  } catch (e) {
    if (gen === generation) $view.innerHTML = `<p class="error">${esc(e.message)}</p>`;
  }
  const s = await api("/api/v1/status").catch(() => null);
  if (s) {
    const pace = s.cloud && s.cloud !== "simulated" ? s.cloud : `×${s.speed}`;
    document.getElementById("clock").textContent = `${clock(s.time_s)} · ${s.mode} · ${pace}`;
    document.getElementById("status-line").textContent = `${s.scenario}: ${s.hosts} hosts, ${s.vms} VMs`;
  }
}
function route() {
  generation++;
  clearTimeout(timer);
  clearCharts();
  window.geyser.ready = false;
  $view.innerHTML = `<p class="muted">Loading…</p>`;
  const h = location.hash;
  for (const [re, nav, fn] of routes) {
    const m = h.match(re);
    if (!m) continue;
    document.querySelectorAll("nav a").forEach(a => a.classList.toggle("active", a.dataset.nav === nav));
    const args = m.slice(1).map(decodeURIComponent), gen = generation;
    const tick = async () => { await refresh(gen, fn, args); if (gen === generation) timer = setTimeout(tick, REFRESH_MS); };
    tick();
    return;
  }
  $view.innerHTML = `<p class="error">No such page: ${esc(h)}</p>`;
}
window.addEventListener("hashchange", route);
window.addEventListener("resize", () => charts.forEach(u => { const el = u.root.parentElement; u.setSize({ width: el.clientWidth, height: u.height }); }));
route();
