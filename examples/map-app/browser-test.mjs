// End-to-end in headless Chromium (Debian's chromium, driven by playwright-core): alice signs in to the map app with
// IdentityServer4, links her ArcGIS account once, and the page then shows the secured FeatureLayer with no sign-in
// dialog and no OAuth popup; after the ArcGIS token expires the page keeps working through a new exchange.
// Expects the local stack (./run-local.sh) and the map app (node server.mjs) running; every non-localhost request
// is aborted and fails the test. The browser and the linking pages: the local stack's driver, scripts/link-arcgis.mjs
// (its Node modules: npm ci in scripts/).
import { completeAccountLink, launchBrowser } from "../../scripts/link-arcgis.mjs";

const app = process.env.MAP_APP_URL ?? "http://localhost:8081";
const screenshot = process.env.SCREENSHOT ?? "../../docs/map-app-secured-layer.png";
const tokenSeconds = Number(process.env.ARCGIS_USER_TOKEN_SECONDS ?? 30);
class SkipExpiry extends Error {}
const failures = [];
let passed = 0;
const check = (ok, what) => {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (ok) passed += 1; else failures.push(what);
};

const browser = await launchBrowser();
const context = await browser.newContext({ viewport: { width: 1100, height: 700 } });
const foreign = [];
await context.route("**/*", (route) => {
  const host = new URL(route.request().url()).hostname;
  if (host === "localhost" || host === "127.0.0.1") return route.continue();
  foreign.push(route.request().url());
  return route.abort();
});
let popups = 0;
const page = await context.newPage();
page.on("popup", () => { popups += 1; });
page.on("console", (message) => { if (message.type() === "error") console.log(`  page: ${message.text()}`); });

try {
  // Sign in to the app at IdentityServer4.
  await page.goto(app);
  await page.fill("#username", "alice");
  await page.fill("#password", "alice");
  await page.click("#login");
  await page.waitForURL(`${app}/`);

  // First visit: not linked yet. Link once: Keycloak's confirmation, then ArcGIS's sign-in through its org login
  // (Keycloak in front of IdentityServer4, or IdentityServer4 itself beside Keycloak: both with a session, no form).
  const link = page.locator("#link-arcgis");
  const notLinked = await Promise.race([
    link.waitFor({ state: "visible", timeout: 30000 }).then(() => true),
    page.waitForFunction(() => window.mapState && window.mapState.queried > 0, null, { timeout: 30000 }).then(() => false),
  ]).catch(() => false);
  if (notLinked) {
    console.log("     linking the ArcGIS account once");
    await link.click();
    await page.waitForURL((url) => !url.toString().startsWith(app), { timeout: 30000 });
    const linked = await completeAccountLink(page, { username: "alice", password: "alice", until: `${app}/` });
    check(new URL(linked.url).searchParams.get("kc_action_status") === "success", `linked after ${linked.pages} pages`);
    // ArcGIS's sign-in goes to its OpenID Connect login: Keycloak (client arcgis-online), or, in the "beside"
    // deployment (STACK_ARCGIS_LOGIN=identityserver4, from .local/stack.env), IdentityServer4 directly.
    const beside = process.env.STACK_ARCGIS_LOGIN === "identityserver4";
    const toKeycloak = linked.trail.some((step) => step.endsWith("/protocol/openid-connect/auth?client_id=arcgis-online"));
    const toIs4 = linked.trail.some((step) => step.endsWith("/connect/authorize?client_id=arcgis-portal"));
    check(beside ? toIs4 && !toKeycloak : toKeycloak && !toIs4,
      `ArcGIS's sign-in went to ${beside ? "IdentityServer4 directly" : "Keycloak"}: ${linked.trail.join(" > ")}`);
    await page.waitForURL(`${app}/**`, { timeout: 30000 });
  }

  await page.waitForFunction(() => window.mapState && (window.mapState.queried > 0 || window.mapState.error), null, { timeout: 60000 });
  const first = await page.evaluate(() => ({ ...window.mapState }));
  check(first.error === null, `no error (${first.error})`);
  check(first.drawn === 12, `12 features drawn (${first.drawn})`);
  check(first.queried === 12, `12 features queried (${first.queried})`);
  check(first.dialogs === 0, "no sign-in dialog");
  await page.screenshot({ path: screenshot });

  // Wait past the ArcGIS token's expiry: the page must have registered a new token and still read the layer.
  if (process.env.SKIP_EXPIRY) throw new SkipExpiry();
  await page.waitForTimeout((tokenSeconds + 10) * 1000);
  const queried = await page.evaluate(() => window.requery());
  const later = await page.evaluate(() => ({ ...window.mapState }));
  check(later.tokensRegistered >= 2, `a new token after expiry (${later.tokensRegistered} registered)`);
  check(queried === 12, `12 features queried after expiry (${queried})`);
  check(later.dialogs === 0, "still no sign-in dialog");
  check(await page.locator(".esri-identity-modal calcite-dialog[open]").count() === 0, "no identity modal in the page");
} catch (error) {
  if (!(error instanceof SkipExpiry)) check(false, `flow completed (${error.message.split("\n")[0]})`);
  await page.screenshot({ path: "/tmp/map-app-failure.png" }).catch(() => {});
} finally {
  check(popups === 0, `no popup window (${popups})`);
  check(foreign.length === 0, `no request left localhost (${foreign.slice(0, 3).join(", ")})`);
  await browser.close();
}
console.log(`${passed} passed, ${failures.length} failed`);
process.exit(failures.length === 0 ? 0 : 1);
