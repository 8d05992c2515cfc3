// End-to-end in headless Chromium (Debian's chromium, driven by playwright-core): alice signs in to the map app with
// IdentityServer4, links her ArcGIS account once, and the page (clients/arcgis-token) then shows the secured
// FeatureLayer with no sign-in dialog and no OAuth popup; it renews the ArcGIS token before each expiry; when ArcGIS
// answers 498 (the emulator's clock moved past the token's expiry) one exchange reporting the refused token recovers,
// and when ArcGIS refuses the authorization too (the clock moved past the link's refresh token) the page offers the
// link again, which alice follows. ArcGIS Enterprise (STACK_DEPLOYMENT=enterprise): the layer lives on the federated
// server, and the page registers only the portal token. Expects the local stack (./run-local.sh) and the map app
// (node server.mjs) running; every non-localhost request is aborted and fails the test. The browser and the linking
// pages: the local stack's driver, scripts/link-arcgis.mjs (its Node modules: npm ci in scripts/).
import { completeAccountLink, launchBrowser } from "../../scripts/link-arcgis.mjs";

const app = process.env.MAP_APP_URL ?? "http://localhost:8081";
const screenshot = process.env.SCREENSHOT ?? "../../docs/map-app-secured-layer.png";
const tokenSeconds = Number(process.env.ARCGIS_USER_TOKEN_SECONDS ?? 30);
const emulator = process.env.ARCGIS_EMULATOR ?? "http://localhost:8090";
const enterprise = process.env.STACK_DEPLOYMENT === "enterprise";
const beside = process.env.STACK_ARCGIS_LOGIN === "identityserver4";
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
// The page's calls to its backend's exchange endpoint: GET (a token) and POST (reporting a refused token).
const exchanges = { get: 0, post: 0 };
const page = await context.newPage();
page.on("request", (request) => {
  if (new URL(request.url()).pathname !== "/api/arcgis-token") return;
  if (request.method() === "POST") exchanges.post += 1; else exchanges.get += 1;
});
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

  // What the page registered: the portal token, plus the hosted service on ArcGIS Online; on Enterprise the server
  // credential of the federated server is the SDK's own (traded at the portal's generateToken).
  const credentials = await page.evaluate(() => window.mapApp.identityManager.credentials.map((c) => ({ server: c.server, scope: c.scope })));
  const generated = (await (await fetch(`${emulator}/emulator/stats`)).json()).generateToken;
  check(enterprise
    ? credentials.length === 2 && credentials.some((c) => c.scope === "portal" && /\/portal$/.test(c.server))
      && credentials.some((c) => c.scope === "server" && /\/server$/.test(c.server)) && generated >= 1
    : credentials.length === 2 && credentials.every((c) => !/\/server$/.test(c.server)) && generated === 0,
  `${enterprise ? "only the portal token registered; the federated server's token traded by the SDK" : "the portal and the hosted service registered"}`
    + ` (${credentials.map((c) => `${c.scope} ${c.server}`).join(", ")}; generateToken ${generated})`);

  // Wait past the ArcGIS token's expiry: the page must have registered a new token before each expiry and still read the layer.
  if (process.env.SKIP_EXPIRY) throw new SkipExpiry();
  await page.waitForTimeout((tokenSeconds + 10) * 1000);
  const queried = await page.evaluate(() => window.requery());
  const later = await page.evaluate(() => ({ ...window.mapState }));
  check(later.tokensRegistered >= 2, `a new token after expiry (${later.tokensRegistered} registered)`);
  check(later.renewals.length > 0 && later.renewals.every((r) => r.previousExpires === null || r.at < r.previousExpires),
    `each renewal before the previous token expired (${later.renewals.map((r) => `${Math.round((r.previousExpires - r.at) / 1000)} s early`).join(", ")})`);
  check(queried === 12, `12 features queried after expiry (${queried})`);
  check(later.dialogs === 0, "still no sign-in dialog");

  // ArcGIS answers 498: the emulator's clock moves past the token's expiry (the page and Keycloak still think it
  // valid). Right after a renewal, so that no timer interferes: one exchange reporting the refused token, the request
  // retried once, and ArcGIS asked once (Keycloak's vault refreshes the token it holds).
  const stats = async () => (await fetch(`${emulator}/emulator/stats`)).json();
  const advance = (seconds) => fetch(`${emulator}/emulator/clock`, { method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: `advanceSeconds=${seconds}` })
    .then((response) => { if (!response.ok) throw new Error(`clock: HTTP ${response.status}`); });
  const registered = later.tokensRegistered;
  await page.waitForFunction((n) => window.mapState.tokensRegistered > n, registered, { timeout: (tokenSeconds + 10) * 1000 });
  const before = { ...exchanges, arcgis: await stats(), session: await page.evaluate(() => window.mapApp.session.stats) };
  await advance(tokenSeconds + 5);
  const recovered = await page.evaluate(() => window.requery().then((n) => n, (e) => `failed: ${e.message}`));
  const after = { ...exchanges, arcgis: await stats(), session: await page.evaluate(() => window.mapApp.session.stats) };
  check(recovered === 12, `after a 498, 12 features queried (${recovered})`);
  check(after.post - before.post === 1, `exactly one exchange reporting the refused token (${after.post - before.post} POST)`);
  check(after.session.refusedReports - before.session.refusedReports === 1 && after.session.recovered - before.session.recovered === 1,
    `the module recovered once (${JSON.stringify(after.session)})`);
  check(after.arcgis.refresh_token - before.arcgis.refresh_token === 1, `one refresh at ArcGIS (${after.arcgis.refresh_token - before.arcgis.refresh_token})`);
  check(after.arcgis.generateToken - before.arcgis.generateToken <= (enterprise ? 2 : 0),
    `no generateToken storm (${after.arcgis.generateToken - before.arcgis.generateToken} calls)`);
  check(await page.evaluate(() => window.mapState.dialogs) === 0, "no sign-in dialog after the 498");

  // ArcGIS refuses the authorization too: the clock moves past the link's refresh token (90 days). The one exchange
  // reporting the refused token answers not_linked: the page offers the link, with no dialog; alice links again.
  await page.waitForFunction((n) => window.mapState.tokensRegistered > n, after.session.registrations, { timeout: (tokenSeconds + 10) * 1000 })
    .catch(() => {});
  const postsBefore = exchanges.post;
  await advance(91 * 24 * 3600);
  const refused = await page.evaluate(() => window.requery().then((n) => `answered ${n}`, (e) => e.code ?? e.name ?? e.message));
  await link.waitFor({ state: "visible", timeout: 30000 });
  check(true, `the link is offered again when ArcGIS refuses the authorization (the request: ${refused})`);
  check(exchanges.post - postsBefore === 1, `one exchange reporting the refused token (${exchanges.post - postsBefore})`);
  check(await page.evaluate(() => window.mapState.dialogs) === 0, "no sign-in dialog when a link is required");
  check(await page.locator(".esri-identity-modal calcite-dialog[open]").count() === 0, "no identity modal in the page");
  await link.click();
  await page.waitForURL((url) => !url.toString().startsWith(app), { timeout: 30000 });
  const relinked = await completeAccountLink(page, { username: "alice", password: "alice", until: `${app}/` });
  check(new URL(relinked.url).searchParams.get("kc_action_status") === "success", `linked again after ${relinked.pages} pages`);
  await page.waitForURL(`${app}/**`, { timeout: 30000 });
  await page.waitForFunction(() => window.mapState && (window.mapState.queried > 0 || window.mapState.error), null, { timeout: 60000 });
  const back = await page.evaluate(() => ({ ...window.mapState }));
  check(back.queried === 12 && back.dialogs === 0, `the layer again after linking (${back.queried} queried, ${back.dialogs} dialogs)`);

  // Sign-out: the module destroys the credentials it registered (and the derived server tokens) and stops renewing.
  const left = await page.evaluate(() => {
    window.mapApp.session.destroy();
    return { credentials: window.mapApp.identityManager.credentials.length, state: window.mapApp.session.state };
  });
  check(left.credentials === 0 && left.state === "destroyed", `sign-out leaves no credential (${JSON.stringify(left)})`);
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
