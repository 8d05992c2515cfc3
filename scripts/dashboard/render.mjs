// Draws docs/grafana-dashboard.json with real data, without Grafana: evaluates every panel's PromQL targets with
// Prometheus's /api/v1/query_range (the dashboard's variables substituted: $realm, $__rate_interval, $__interval),
// lays the panels out by their gridPos in scripts/dashboard/render.html (plain SVG, no dependencies) and screenshots
// the page with Debian's Chromium through playwright-core (scripts/link-arcgis.mjs's launcher). Used by
// scripts/render-dashboard.sh; by hand, against any Prometheus that scrapes Keycloak's /metrics:
//
//   node scripts/dashboard/render.mjs --prometheus http://127.0.0.1:9091 [--start UNIX_S] [--end UNIX_S]
//        [--realm arcgis] [--rate-interval 1m] [--step 10] [--out docs/grafana-dashboard.png] [--note TEXT]
//
// Defaults: the last 30 minutes (the dashboard's own time range), step 10 s. Exits non-zero when a panel has no data.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { launchBrowser } from "../link-arcgis.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "..", "..");

function options(argv) {
  const values = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith("--") || argv[i + 1] === undefined) throw new Error(`usage: see the header of ${fileURLToPath(import.meta.url)}`);
    values[argv[i].slice(2)] = argv[i + 1];
  }
  return values;
}

const opts = options(process.argv.slice(2));
const prometheus = (opts.prometheus ?? "http://127.0.0.1:9091").replace(/\/$/, "");
const end = Number(opts.end ?? Math.floor(Date.now() / 1000));
const start = Number(opts.start ?? end - 1800);
const step = Number(opts.step ?? 10);
const realm = opts.realm ?? "arcgis";
const rateInterval = opts["rate-interval"] ?? "1m";
const out = path.resolve(ROOT, opts.out ?? "docs/grafana-dashboard.png");
const dashboardFile = path.resolve(ROOT, opts.dashboard ?? "docs/grafana-dashboard.json");
const dashboard = JSON.parse(fs.readFileSync(dashboardFile, "utf8"));

// Grafana's template variables, as this render sets them.
function substitute(expr) {
  return expr
    .replaceAll("$__rate_interval", rateInterval)
    .replaceAll("${__rate_interval}", rateInterval)
    .replaceAll("$__interval", `${step}s`)
    .replaceAll("${realm}", realm)
    .replaceAll("$realm", realm);
}

async function queryRange(expr) {
  const url = `${prometheus}/api/v1/query_range?${new URLSearchParams({ query: expr, start, end, step })}`;
  const response = await fetch(url);
  const body = await response.json();
  if (body.status !== "success") throw new Error(`Prometheus refused ${expr}: ${body.error ?? response.status}`);
  return body.data.result;
}

// Grafana's legendFormat: {{label}} replaced by the series' label value; without one, the series' labels.
function legend(format, metric) {
  if (format) return format.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name) => metric[name] ?? "");
  const labels = Object.entries(metric).filter(([name]) => name !== "__name__");
  return labels.length === 0 ? "Value" : `{${labels.map(([name, value]) => `${name}="${value}"`).join(", ")}}`;
}

const panels = [];
let empty = 0;
for (const panel of dashboard.panels) {
  const series = [];
  const queries = [];
  for (const target of panel.targets ?? []) {
    const expr = substitute(target.expr);
    queries.push({ refId: target.refId, expr });
    for (const result of await queryRange(expr)) {
      series.push({
        name: legend(target.legendFormat, result.metric),
        points: result.values.map(([t, v]) => [Number(t), Number.isFinite(Number(v)) ? Number(v) : null]),
      });
    }
  }
  const withData = series.filter((s) => s.points.some(([, v]) => v !== null));
  const defaults = panel.fieldConfig?.defaults ?? {};
  panels.push({
    id: panel.id, type: panel.type, title: panel.title, gridPos: panel.gridPos,
    unit: defaults.unit ?? "short", decimals: defaults.decimals,
    stacking: defaults.custom?.stacking?.mode ?? "none", fillOpacity: defaults.custom?.fillOpacity ?? 0,
    graphMode: panel.options?.graphMode ?? "none", legend: panel.options?.legend ?? {},
    series: withData,
  });
  const points = withData.reduce((sum, s) => sum + s.points.filter(([, v]) => v !== null).length, 0);
  console.log(`${withData.length ? "ok   " : "EMPTY"} panel ${panel.id} "${panel.title}": ${withData.length} series, ${points} points`
    + (withData.length ? ` (${withData.map((s) => s.name).join(", ")})` : ` from ${queries.map((q) => q.expr).join(" ; ")}`));
  if (withData.length === 0) empty++;
}

const data = {
  title: dashboard.title,
  variables: [["datasource", "Prometheus"], ["realm", realm]],
  start, end, step, rateInterval,
  note: opts.note ?? "",
  panels,
};

const browser = await launchBrowser();
try {
  const page = await browser.newPage({ viewport: { width: 1600, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(pathToFileURL(path.join(HERE, "render.html")).toString());
  await page.evaluate((d) => window.renderDashboard(d), data);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  await page.screenshot({ path: out, fullPage: true });
  console.log(`Wrote ${path.relative(ROOT, out)} (${panels.length} panels, ${new Date(start * 1000).toISOString()} .. ${new Date(end * 1000).toISOString()})`);
} finally {
  await browser.close();
}
if (empty > 0) {
  console.error(`${empty} panel(s) without data`);
  process.exit(1);
}
