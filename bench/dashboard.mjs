// dashboard.mjs - time the dashboard in chromium (playwright-core): the host
// grid of the whole cloud, one day of one-minute data for every host fetched
// by the page (JSON, then 16-bit binary), the hosts page with that day drawn
// as a heat map, and a host page drawing a day of one-minute data.
// Usage: node bench/dashboard.mjs URL HOSTS
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const web = join(dirname(fileURLToPath(import.meta.url)), "..", "web");
const { chromium } = await import(join(web, "node_modules", "playwright-core", "index.mjs"));
const [url, hostsArg] = process.argv.slice(2);
const hosts = Number(hostsArg);
const profile = mkdtempSync(join(tmpdir(), "geyser-bench-"));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium", headless: true, bypassCSP: true,
  viewport: { width: 1400, height: 900 },
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = browser.pages()[0] || await browser.newPage();
const median = xs => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
try {
  // 1. The grid: navigation start to every cell coloured (median of 5 loads).
  const grid = [];
  for (let i = 0; i < 5; i++) {
    await page.goto("about:blank");
    const t0 = Date.now();
    await page.goto(url + "/#/hosts");
    await page.waitForFunction(n => window.geyser && window.geyser.ready && document.querySelectorAll("#grid .cell").length === n, hosts, { polling: "raf", timeout: 60000 });
    grid.push(Date.now() - t0);
  }
  console.log(`grid of ${hosts} hosts: ${median(grid)} ms (median of 5; ${grid.join(", ")})`);

  // 2. One day of one-minute data for every host: one request to the bulk
  //    resource, parsed by the page (median of 3).
  const bulk = [];
  let info;
  for (let i = 0; i < 3; i++) {
    info = await page.evaluate(async () => {
      const t0 = performance.now();
      const text = await (await fetch("/api/v1/hosts-series?from=now-86400&step=60")).text();
      const s = JSON.parse(text);
      const points = s.hosts.reduce((a, h) => a + h.power_w.length, 0);
      return { ms: performance.now() - t0, points, bytes: text.length, hosts: s.hosts.length };
    });
    bulk.push(Math.round(info.ms));
  }
  console.log(`one day of one-minute data for ${info.hosts} hosts (/api/v1/hosts-series: ${info.points} power points in all, ${(info.bytes / 1e6).toFixed(1)} MB): ${median(bulk)} ms (median of 3; ${bulk.join(", ")})`);

  // 2b. The same day as 16-bit binary (format=u16), read in place by the
  //     page's own decoder: every value visited once (median of 5).
  const bin = [];
  for (let i = 0; i < 5; i++) {
    info = await page.evaluate(async () => {
      const t0 = performance.now();
      const s = await window.geyser.hostsSeriesU16("from=now-86400&step=60");
      let points = 0;
      for (let h = 0; h < s.hosts.length; h++) {
        const p = s.power(h);
        for (let k = 0; k < p.length; k++) points += p[k] !== 65535;
      }
      return { ms: performance.now() - t0, points, hosts: s.hosts.length };
    });
    bin.push(Math.round(info.ms));
  }
  console.log(`the same day as 16-bit binary (format=u16, ${info.points} power points with data): ${median(bin)} ms (median of 5; ${bin.join(", ")})`);

  // 2c. The hosts page with the day of every host drawn: navigation start
  //     to the grid coloured and the day's heat map painted (median of 5).
  const heat = [];
  for (let i = 0; i < 5; i++) {
    await page.goto("about:blank");
    const t0 = Date.now();
    await page.goto(url + "/#/hosts");
    await page.waitForFunction(n => window.geyser && window.geyser.heatmap && window.geyser.heatmap.hosts === n && document.querySelectorAll("#grid .cell").length === n, hosts, { polling: "raf", timeout: 60000 });
    heat.push(Date.now() - t0);
  }
  console.log(`hosts page with a day of every host drawn (grid + heat map of ${hosts} x 1441): ${median(heat)} ms (median of 5; ${heat.join(", ")})`);

  // 3. A host page with a day of one-minute data drawn.
  const name = await page.evaluate(async () => (await (await fetch("/api/v1/hosts")).json()).hosts[0].name);
  const host = [];
  for (let i = 0; i < 5; i++) {
    await page.goto("about:blank");
    const t0 = Date.now();
    await page.goto(`${url}/#/host/${name}`);
    await page.waitForFunction(() => window.geyser && window.geyser.ready && window.geyser.charts.length === 1, null, { polling: "raf", timeout: 60000 });
    const day = await page.evaluate(async n => {
      const t0 = performance.now();
      const s = await (await fetch(`/api/v1/hosts/${n}/series?from=now-86400&step=60`)).json();
      window.geyser.charts[0].setData([s.t, s.power_w, s.cpu_utilization.map(x => x == null ? null : 100 * x)]);
      await new Promise(r => requestAnimationFrame(() => r()));
      return { ms: performance.now() - t0, n: s.t.length };
    }, name);
    host.push(Date.now() - t0);
    if (i === 4) console.log(`host page, then a day of one-minute data (${day.n} points) fetched and drawn: ${Math.round(day.ms)} ms`);
  }
  console.log(`host page load: ${median(host)} ms (median of 5)`);
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
