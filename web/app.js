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
/* The cloud's clock is simulated seconds since start: show day and time. */
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
      <div id="grid" class="grid"></div></div>`;
    grid = document.getElementById("grid");
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
/* Manual mode: the waiting plan is approved or discarded with the daemon's
 * bearer token, typed once and kept in sessionStorage (this tab only). */
const TOKEN_KEY = "geyser.token";
let planMessage = "";
function planApproval(p) {
  if (p.mode !== "manual")
    return `<div class="panel" id="plan-approval"><span class="tag">dry run</span> ${p.mode === "auto" ? "auto mode: each plan is executed at its control interval, this view shows what was done" : "observe mode: nothing is executed"}.</div>`;
  const token = esc(sessionStorage.getItem(TOKEN_KEY) || "");
  const waiting = p.waiting ? `plan #${p.id} waits for approval: every action is checked again against the cloud when it is applied` : `plan #${p.id} is not waiting (applied, discarded or empty); the next comes at ${clock(p.next_control_s)}`;
  return `<div class="panel" id="plan-approval"><h2>Approval</h2><p>${waiting}</p>
    <label>bearer token <input id="plan-token" type="password" autocomplete="off" size="32" value="${token}"></label>
    <button id="plan-apply" data-id="${p.id}" ${p.waiting ? "" : "disabled"}>Apply</button>
    <button id="plan-discard" data-id="${p.id}" ${p.waiting ? "" : "disabled"}>Discard</button>
    <span id="plan-msg" class="muted">${esc(planMessage)}</span></div>`;
}
async function planPost(id, verb) {
  const token = sessionStorage.getItem(TOKEN_KEY) || "";
  const r = await fetch(`/api/v1/plan/${encodeURIComponent(id)}/${verb}`, { method: "POST", headers: { Accept: "application/json", Authorization: `Bearer ${token}` } });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) { planMessage = `refused (HTTP ${r.status}): ${body.error || r.statusText}`; return; }
  const n = o => (body.actions || []).filter(a => a.outcome === o).length;
  planMessage = verb === "apply" ? `plan #${id} applied: ${n("done")} done, ${n("refused")} refused, ${n("failed")} failed` : `plan #${id} discarded`;
}
$view.addEventListener("input", ev => { if (ev.target.id === "plan-token") sessionStorage.setItem(TOKEN_KEY, ev.target.value.trim()); });
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

/* ---------- router ---------- */
const routes = [
  [/^#?\/?$/, "overview", overview],
  [/^#\/hosts$/, "hosts", hostsPage],
  [/^#\/host\/(.+)$/, "hosts", hostPage],
  [/^#\/events$/, "events", eventsPage],
  [/^#\/plan$/, "plan", planPage],
  [/^#\/models$/, "models", modelsPage],
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
    document.getElementById("clock").textContent = `${clock(s.time_s)} · ${s.mode} · ×${s.speed}`;
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
