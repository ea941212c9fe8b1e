// dashboard.mjs - drive the dashboard in Debian's chromium through
// playwright-core: every page renders, its charts hold data, the host grid
// has one cell per host, and host -> events -> plan navigation works; with
// a second daemon in manual mode, the plan page's Apply button (with the
// bearer token typed in) executes the waiting plan. On the energy page, a
// job admitted and a cap set through the forms (and refused ones, with the
// daemon's reason), and a pushed price forecast's re-plan shown.
// Usage: node dashboard.mjs URL SCREENSHOT_DIR HOSTS [MANUAL_URL TOKEN]
// Prints "ok ..." / "FAIL ..." lines; exits 1 on any failure.
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// playwright-core lives in web/node_modules (web/package.json).
const web = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "web");
const { chromium } = await import(join(web, "node_modules", "playwright-core", "index.mjs"));

const [url, shots, hostsArg, manualUrl, token] = process.argv.slice(2);
const hosts = Number(hostsArg);
mkdirSync(shots, { recursive: true });
const profile = mkdtempSync(join(tmpdir(), "geyser-chromium-"));
let failures = 0;
const check = (cond, what) => { console.log(`${cond ? "ok" : "FAIL"} ${what}`); if (!cond) failures++; };

// A fresh profile each run (Playwright passes it as --user-data-dir).
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1400, height: 900 },
  bypassCSP: true, // waitForFunction evaluates strings; the page itself needs no eval
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = browser.pages()[0] || await browser.newPage();
  const errors = [];
  page.on("pageerror", e => errors.push(String(e)));
  page.on("console", m => { if (m.type() === "error") errors.push(m.text()); });
  const ready = () => page.waitForFunction(() => window.geyser && window.geyser.ready, null, { timeout: 30000 });
  // Points with a value in series i of chart k of the current page.
  const points = (k, i) => page.evaluate(([k, i]) => {
    const u = window.geyser.charts[k];
    return u ? u.data[i].filter(v => v != null).length : -1;
  }, [k, i]);

  await page.goto(url + "/");
  await ready();
  check(await page.locator(".card").count() >= 5, "overview: summary cards");
  check(await page.locator("#c-power canvas").count() === 1, "overview: power chart canvas");
  check(await points(0, 1) > 1 && await points(0, 2) > 1, "overview: power and baseline series have points");
  check(await points(1, 1) > 1, "overview: hosts-on series has points");
  await page.screenshot({ path: join(shots, "overview.png"), fullPage: true });
  await page.click('#range button[data-span="3600"]');
  await ready();
  check(await page.locator('#range button.active[data-span="3600"]').count() === 1 && await points(0, 1) > 1,
    "overview: the 1 h range redraws with points");

  await page.click('nav a[data-nav="hosts"]');
  await ready();
  await page.waitForFunction(n => document.querySelectorAll("#grid .cell").length === n, hosts, { timeout: 30000 });
  check(await page.locator("#grid .cell").count() === hosts, `grid: ${hosts} cells`);
  check(await page.locator("#grid .cell.off").count() > 0, "grid: some hosts are off (consolidated)");
  // The day of every host (hosts-series?format=u16) painted as a heat map.
  await page.waitForFunction(n => window.geyser.heatmap && window.geyser.heatmap.hosts === n, hosts, { timeout: 30000 })
    .catch(() => {});
  const heat = await page.evaluate(() => {
    const c = document.getElementById("heat"), px = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    let painted = 0;
    for (let i = 3; i < px.length; i += 4) painted += px[i] > 0;
    return { hm: window.geyser.heatmap, w: c.width, h: c.height, painted };
  });
  check(heat.hm && heat.h === hosts && heat.w > 10 && heat.painted > hosts * 10,
    `hosts: heat map of the day, ${heat.h} rows x ${heat.w} minutes, ${heat.painted} pixels painted`);
  await page.screenshot({ path: join(shots, "hosts.png"), fullPage: true });

  // A host that holds VMs: the first cell that is on.
  await page.locator("#grid .cell.on").first().click();
  await ready();
  check(/#\/host\//.test(page.url()), "host: navigated from the grid");
  check(await page.locator("#c-host canvas").count() === 1, "host: chart canvas");
  check(await points(0, 1) > 1 && await points(0, 2) > 1, "host: power and utilization series have points");
  check(await page.locator("#host-vms tr").count() >= 1, "host: VM table");
  await page.screenshot({ path: join(shots, "host.png"), fullPage: true });

  // The simulated cloud's first events come after its first control
  // interval, which a loaded machine may not have reached yet: wait for the
  // API to have some (the verdict does not depend on how long that takes).
  await page.evaluate(async () => {
    for (let i = 0; i < 600; i++) {
      const r = await (await fetch("/api/v1/events?limit=1")).json();
      if (r.events && r.events.length) return;
      await new Promise(res => setTimeout(res, 100));
    }
  });
  await page.click('nav a[data-nav="events"]');
  await ready();
  check(await page.locator("#events tr .tag").count() > 0, "events: rows");
  await page.screenshot({ path: join(shots, "events.png"), fullPage: true });

  await page.click('nav a[data-nav="plan"]');
  await ready();
  check(await page.locator("#plan tr").count() >= 1, "plan: table");
  // The expected saving and migration cost shown are the API's estimate.
  const est = await page.evaluate(async () => (await (await fetch("/api/v1/plan")).json()).estimate);
  check(est && typeof est.saving_w === "number" && typeof est.migration_data_mb === "number", "plan: API estimate");
  const cards = await page.locator(".card .label").allTextContents();
  check(cards.some(t => /expected saving/i.test(t)) && cards.some(t => /migration cost/i.test(t)), "plan: saving and cost cards");
  check(/dry run/.test(await page.locator("#plan-approval").textContent()), "plan: dry-run label outside manual mode");
  await page.screenshot({ path: join(shots, "plan.png"), fullPage: true });

  await page.click('nav a[data-nav="models"]');
  await ready();
  const nModels = await page.evaluate(() => window.geyser.charts.length);
  check(nModels >= 1, "models: one chart per server type");
  check(await points(0, 1) > 10 && await points(0, 2) > 5, "models: samples and model curve have points");
  await page.screenshot({ path: join(shots, "models.png"), fullPage: true });

  // The energy page (the daemon runs with the example signals and jobs):
  // price, carbon and renewable supply on the power's time axis, the
  // forecast part after now, the job queue and the caps.
  await page.click('nav a[data-nav="energy"]');
  await ready();
  check(await page.locator("#c-supply canvas").count() === 1 && await page.locator("#c-market canvas").count() === 1,
    "energy: supply and market chart canvases");
  check(await points(0, 1) > 1, "energy: cloud power has points");
  check(await points(0, 2) > 1 && await points(1, 1) > 1 && await points(1, 2) > 1,
    "energy: renewable supply, price and carbon have points");
  const axis = await page.evaluate(() => {
    const [a, b] = window.geyser.charts, e = window.geyser.energy;
    const last = a.data[1].reduce((k, v, i) => v != null ? i : k, -1);
    return { same: a.data[0].length === b.data[0].length && a.data[0].every((t, i) => t === b.data[0][i]),
      now: e.now, lastPower: a.data[0][last], end: a.data[0][a.data[0].length - 1],
      future: b.data[0].filter((t, i) => t > e.now && b.data[1][i] != null).length };
  });
  check(axis.same, "energy: both charts on one time axis");
  check(axis.lastPower <= axis.now + 300 && axis.end >= axis.now + 36000 && axis.future > 10,
    `energy: measured power up to now (${axis.lastPower} s, now ${axis.now} s), forecast signals after it up to ${axis.end} s`);
  // The price drawn at now is the one the API says is in force.
  const sig = await page.evaluate(async () => (await (await fetch("/api/v1/signals")).json()).signals);
  check(sig.price.source === "file" && !sig.price.stale, "energy: the price is the file forecast, not stale");
  // The queue: one row per job in the API, with its planned start.
  const apiJobs = await page.evaluate(async () => (await (await fetch("/api/v1/jobs")).json()).jobs);
  check(apiJobs.length === 6 && await page.locator("#jobs tr").count() === apiJobs.length, "energy: one queue row per job (6)");
  const firstRow = await page.locator("#jobs tr").first().textContent();
  check(firstRow.includes(apiJobs[0].name) && /waiting|running|done/.test(firstRow), "energy: queue row with name and state");
  check(await page.evaluate(() => window.geyser.energy.jobs.some(kw => kw > 0)), "energy: the jobs' planned draw is drawn");
  check(await page.locator("#caps tr").count() === 1 && (await page.locator("#caps tr").first().textContent()).includes("60.0 kW"),
    "energy: the example's 60 kW cap is listed");
  // A live carbon value older than the maximum age (default one hour): taken,
  // flagged stale, and shown so on the page while the file forecast rules.
  const pushed = await page.evaluate(async token => (await fetch("/api/v1/signals?kind=carbon&unit=g_per_kwh&value=111&at=now-7200",
    { method: "POST", headers: { Authorization: `Bearer ${token}` } })).status, process.env.GEYSER_TOKEN || "");
  check(pushed === 200, `energy: stale carbon value pushed (${pushed})`);
  await page.waitForFunction(() => /stale live value 111/.test(document.getElementById("energy-cards").textContent), null, { timeout: 10000 })
    .then(() => check(true, "energy: the stale live value is shown as stale"), () => check(false, "energy: the stale live value is shown as stale"));
  await page.screenshot({ path: join(shots, "energy.png"), fullPage: true });

  // Writes from the energy page, with the bearer token typed into its
  // field (the code the plan page's Apply uses): a job admitted through the
  // form gets a planned start and a queue row.
  const answer = async (id, what) => {
    await page.waitForFunction(id => document.getElementById(id).dataset.status, id, { timeout: 30000 });
    const el = page.locator(`#${id}`);
    const r = { status: Number(await el.getAttribute("data-status")), text: await el.textContent() };
    console.log(`   ${what}: HTTP ${r.status}: ${r.text}`);
    await page.evaluate(id => { delete document.getElementById(id).dataset.status; }, id);
    return r;
  };
  // The browser logs each refused request as a console error: expected.
  const expectRefused = code => { const k = errors.findIndex(e => e.includes(`status of ${code}`)); if (k >= 0) errors.splice(k, 1); };
  await page.fill("#energy-token", process.env.GEYSER_TOKEN || "");
  await page.fill("#job-name", "ui-batch");
  await page.fill("#job-duration", "1");
  await page.fill("#job-deadline", "200");
  await page.fill("#job-power", "5");
  // Not before 100 h: at the test's speed (an hour of the cloud's clock in
  // about a second) the job still waits when the forecast comes.
  await page.fill("#job-release", "100");
  await page.click("#job-form button");
  const added = await answer("job-msg", "add ui-batch");
  check(added.status === 201 && /ui-batch admitted: planned start day \d+, \d\d:\d\d/.test(added.text), "energy form: job admitted (201) with its planned start shown");
  await page.waitForFunction(() => [...document.querySelectorAll("#jobs tr")].some(r => r.textContent.includes("ui-batch")), null, { timeout: 30000 })
    .then(() => check(true, "energy form: the admitted job has a queue row"), () => check(false, "energy form: the admitted job has a queue row"));
  check(await page.locator("#jobs tr").count() === apiJobs.length + 1, "energy form: one more queue row");

  // Re-planning: a price forecast makes one hour, 10 h into ui-batch's
  // window (over 100 h of the cloud's clock ahead: minutes of wall time at
  // the test's speed), far the cheapest there; the daemon moves the job to
  // it at its next control tick and the page shows the move. The wait is
  // long: the verdict is whether it is shown.
  const before = await page.evaluate(async () => {
    const j = await (await fetch("/api/v1/jobs")).json(), s = await (await fetch("/api/v1/signals")).json();
    return { job: j.jobs.find(x => x.name === "ui-batch"), now: s.time_s };
  });
  let hour = Math.ceil((before.job ? before.job.release_s : before.now) / 3600) * 3600 + 36000;
  if (before.job && hour === before.job.planned_start_s) hour += 3600;
  const fc = await page.evaluate(async ([token, h]) => (await fetch(`/api/v1/signals/forecast?kind=price&unit=eur_per_mwh&points=${h}:-400,${h + 3600}:300`,
    { method: "POST", headers: { Authorization: `Bearer ${token}` } })).status, [process.env.GEYSER_TOKEN || "", hour]);
  check(fc === 200, `energy: price forecast pushed (${fc}), -400 EUR/MWh at ${hour} s (ui-batch planned at ${before.job && before.job.planned_start_s} s, now ${before.now} s)`);
  const shown = await page.waitForFunction(() => {
    const row = [...document.querySelectorAll("#jobs tr")].find(r => r.textContent.includes("ui-batch"));
    const log = [...document.querySelectorAll("#replans tr")].some(r => r.textContent.includes("ui-batch") && r.textContent.includes("→"));
    return row && /1×/.test(row.querySelector("td.replans").textContent) && /→/.test(row.textContent) && log;
  }, null, { timeout: 60000 }).then(() => true, () => false);
  check(shown, "energy: the re-plan of ui-batch is shown in the queue (1×, from → to) and in the re-plan log");
  const moved = await page.evaluate(() => (window.geyser.replanned || []).find(j => j.name === "ui-batch"));
  check(moved && moved.last_replan.new_start_s === hour && moved.planned_start_s === hour,
    `energy: the chart marks ui-batch's move to the cheap hour (${moved && moved.last_replan.previous_start_s} -> ${moved && moved.last_replan.new_start_s} s)`);

  // A job that cannot meet its deadline: the daemon's reason is shown.
  await page.fill("#job-name", "ui-late");
  await page.fill("#job-duration", "5");
  await page.fill("#job-deadline", "1");
  await page.fill("#job-release", "");
  await page.click("#job-form button");
  const late = await answer("job-msg", "add ui-late");
  check(late.status === 422 && /refused \(HTTP 422\): .*cannot meet its deadline/.test(late.text), "energy form: an impossible job is refused with the reason (422)");
  expectRefused(422);
  // The same name again: taken (409).
  await page.fill("#job-name", "ui-batch");
  await page.fill("#job-duration", "1");
  await page.fill("#job-deadline", "48");
  await page.click("#job-form button");
  const dup = await answer("job-msg", "add ui-batch again");
  check(dup.status === 409 && /refused \(HTTP 409\)/.test(dup.text), "energy form: a taken name is refused (409)");
  expectRefused(409);

  // Caps: a negative one is refused with the reason, a valid one listed.
  await page.fill("#cap-kw", "-5");
  await page.click("#cap-form button");
  const neg = await answer("cap-msg", "cap -5 kW");
  check(neg.status === 400 && /refused \(HTTP 400\): cap refused/.test(neg.text), "energy form: a negative cap is refused with the reason (400)");
  expectRefused(400);
  await page.fill("#cap-kw", "500");
  await page.fill("#cap-start", "30");
  await page.fill("#cap-duration", "1");
  await page.click("#cap-form button");
  const cap = await answer("cap-msg", "cap 500 kW in 30 h");
  check(cap.status === 200 && /cap of 500.0 kW set/.test(cap.text), "energy form: a cap set from the page");
  const capApi = await page.evaluate(async () => {
    const c = await (await fetch("/api/v1/caps")).json();
    return { cap: c.caps.find(x => x.from === "api"), now: (await (await fetch("/api/v1/signals")).json()).time_s };
  });
  check(capApi.cap && capApi.cap.start_s > capApi.now + 100000 - 3 * 86400 && capApi.cap.start_s > before.now + 100000 &&
    capApi.cap.end_s - capApi.cap.start_s === 3600 && capApi.cap.source === "dashboard",
    `energy form: the cap starts 30 h after it was set (${capApi.cap && capApi.cap.start_s} s) for 1 h`);
  await page.waitForFunction(() => document.querySelectorAll("#caps tr").length === 2, null, { timeout: 30000 })
    .then(() => check(true, "energy form: the new cap is listed"), () => check(false, "energy form: the new cap is listed"));
  await page.screenshot({ path: join(shots, "energy-jobs.png"), fullPage: true });

  if (manualUrl) {
    await page.goto(manualUrl + "/#/plan");
    await ready();
    await page.waitForSelector("#plan-apply:not([disabled])", { timeout: 30000 });
    const id = Number(await page.locator("#plan-apply").getAttribute("data-id"));
    check(id >= 1 && (await page.locator("#plan-id").textContent()).includes(`#${id}`), `manual: plan #${id} shown with its id`);
    const outcomes = () => page.locator("#plan .tag.done, #plan .tag.planned, #plan .tag.refused, #plan .tag.failed").allTextContents();
    const before = await outcomes();
    check(before.length > 0 && before.every(o => o === "planned"), "manual: every action planned before approval");
    // Without the token the daemon refuses, and the page says so.
    await page.click("#plan-apply");
    await page.waitForFunction(() => /refused \(HTTP 401\)/.test(document.getElementById("plan-msg")?.textContent || ""), null, { timeout: 30000 });
    check(true, "manual: apply without the token is refused (401)");
    // The browser logs that refused request as a console error: expected once.
    const k = errors.findIndex(e => /status of 401/.test(e));
    if (k >= 0) errors.splice(k, 1);
    await page.fill("#plan-token", token);
    await page.click("#plan-apply");
    await page.waitForFunction(i => new RegExp(`plan #${i} applied`).test(document.getElementById("plan-msg")?.textContent || ""), id, { timeout: 30000 });
    check(true, `manual: plan #${id} applied from the page`);
    await ready();
    const audit = await page.evaluate(async i => (await (await fetch(`/api/v1/audit?plan=${i}&limit=2000`)).json()).records, id);
    check(audit.length > 0 && audit.every(r => r.outcome !== null) && audit.some(r => r.outcome === "done"), "manual: the audit log has the plan's outcomes");
    const shown = await page.locator("#plan-id").textContent();
    if (shown.includes(`#${id}`)) {
      const after = await outcomes();
      check(after.some(o => o === "done") && !after.includes("planned"), "manual: the plan's outcomes changed on the page");
    } else {
      check(Number(shown.replace(/\D/g, "")) > id, "manual: a newer plan replaced the applied one");
    }
    check(await page.evaluate(() => sessionStorage.getItem("geyser.token")) === token, "manual: token kept in sessionStorage");
    await page.screenshot({ path: join(shots, "plan-manual.png"), fullPage: true });
  }

  check(errors.length === 0, `no page errors${errors.length ? ": " + errors.join("; ") : ""}`);
} catch (e) {
  check(false, `browser run: ${e.message}`);
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failures ? 1 : 0);
