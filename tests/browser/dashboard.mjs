// dashboard.mjs - drive the dashboard in Debian's chromium through
// playwright-core: every page renders, its charts hold data, the host grid
// has one cell per host, and host -> events -> plan navigation works; with
// a second daemon in manual mode, the plan page's Apply button (with the
// bearer token typed in) executes the waiting plan.
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
  await page.screenshot({ path: join(shots, "hosts.png"), fullPage: true });

  // A host that holds VMs: the first cell that is on.
  await page.locator("#grid .cell.on").first().click();
  await ready();
  check(/#\/host\//.test(page.url()), "host: navigated from the grid");
  check(await page.locator("#c-host canvas").count() === 1, "host: chart canvas");
  check(await points(0, 1) > 1 && await points(0, 2) > 1, "host: power and utilization series have points");
  check(await page.locator("#host-vms tr").count() >= 1, "host: VM table");
  await page.screenshot({ path: join(shots, "host.png"), fullPage: true });

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
