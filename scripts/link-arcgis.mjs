// The one browser driver of the local stack's scripts: Debian's Chromium through playwright-core, and the pages of
// linking a user's ArcGIS account once (Keycloak's application-initiated action kc_action=idp_link:arcgis). Used by
// the example app's browser test (examples/map-app/browser-test.mjs), the benchmark (bench/run.sh, through the command
// line below) and the cluster check (cluster/checks.mjs).
//
//   node scripts/link-arcgis.mjs [username] [password]     (alice / alice)
// asks Keycloak for the user's ArcGIS token as the app backend map-app does, takes the account-link-url of the
// not_linked answer, links in headless Chromium and checks that the next exchange returns the user's ArcGIS token.
// Reads the stack from .local/stack.env (scripts/stack-env.mjs); exits non-zero when linking fails.
import { chromium } from "playwright-core";
import { fileURLToPath } from "node:url";
import { required, stackEnv } from "./stack-env.mjs";

export const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
// No sandbox (root in containers); SwiftShader for the WebGL the ArcGIS Maps SDK draws with; no background traffic.
export const CHROMIUM_ARGS = ["--no-sandbox", "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist",
  "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"];

export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

// What a page of the linking flow shows: IdentityServer4's login (its button #login; ArcGIS's own login form has
// #username too, so the button tells them apart), Keycloak's confirmation, ArcGIS's sign-in page with the
// organisation's OpenID Connect login, or an error page of Keycloak or the emulator.
const STEPS = "#login, #kc-continue, #oidc-login, #kc-error-message, #error";

/**
 * Follows a linking flow that has left the app, page by page, until the browser is sent to `until` (the app's
 * redirect_uri): signs in at IdentityServer4 when it asks (only without an IdentityServer4 session), confirms the link
 * at Keycloak, and picks the organisation's OpenID Connect login on ArcGIS's sign-in page. Returns the pages acted on,
 * the URL the browser was sent to (with Keycloak's kc_action_status; the app there need not run) and the trail of
 * pages requested on the way.
 */
export async function completeAccountLink(page, { username, password, until, timeout = 30000 }) {
  // Seen as the request is made: the last hop is a redirect, and a page that is not served still counts.
  let arrive;
  const arrival = new Promise((resolve) => { arrive = resolve; });
  // The way the browser went: host, path and client_id of every page request (no other parameter: no codes, tokens).
  const trail = [];
  const watch = (request) => {
    if (!request.isNavigationRequest() || request.frame() !== page.mainFrame()) return;
    const url = new URL(request.url());
    const client = url.searchParams.get("client_id");
    trail.push(`${url.host}${url.pathname}${client ? `?client_id=${client}` : ""}`);
    if (request.url().startsWith(until)) arrive(request.url());
  };
  page.on("request", watch);
  const done = (pages) => arrival.then((url) => ({ pages, url, trail }));
  try {
    for (let acted = 0; acted < 10; acted++) {
      // Every wait settles either way, so the loser of a race never rejects unobserved.
      const shown = page.waitForSelector(STEPS, { state: "visible", timeout }).then((element) => element, () => null);
      const next = await Promise.race([arrival, shown]);
      if (typeof next === "string") return done(acted);
      if (!next) throw new Error(`linking stopped at ${page.url().split("?")[0]} (no known page within ${timeout} ms)`);
      const id = await next.getAttribute("id");
      if (id === "kc-error-message" || id === "error") {
        throw new Error(`linking failed at ${page.url().split("?")[0]}: ${(await next.innerText()).trim()}`);
      }
      const before = page.url();
      if (id === "login") {
        await page.fill("#username", username);
        await page.fill("#password", password);
      }
      await next.click();
      await Promise.race([arrival, page.waitForURL((url) => url.toString() !== before, { timeout }).catch(() => null)]);
    }
    throw new Error(`linking did not reach ${until} after 10 pages (at ${page.url().split("?")[0]})`);
  } finally {
    page.off("request", watch);
  }
}

/**
 * Links in a fresh headless Chromium: opens Keycloak's account-link URL with `redirectUri` and passes the pages until
 * the browser is sent back there (the app need not run). Returns {linked, status, pages, trail}, status being
 * Keycloak's kc_action_status (success when linked).
 */
export async function linkArcgisAccount(linkUrl, { username, password, redirectUri, timeout = 30000 }) {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    // Not awaited first: completeAccountLink watches from the first request on; the last hop may find no server.
    const opened = page.goto(`${linkUrl}${linkUrl.includes("?") ? "&" : "?"}redirect_uri=${encodeURIComponent(redirectUri)}`)
      .catch(() => null);
    const { pages, url, trail } = await completeAccountLink(page, { username, password, until: redirectUri, timeout });
    await opened;
    const back = new URL(url);
    const status = back.searchParams.get("kc_action_status") ?? back.searchParams.get("error") ?? "none";
    return { linked: status === "success", status, pages, trail };
  } finally {
    await browser.close();
  }
}

async function main([username = "alice", password = "alice"]) {
  const env = stackEnv();
  const realm = required(env, "KEYCLOAK_REALM_URL");
  const form = (values) => ({ method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(values) });
  const subject = await (await fetch(`${required(env, "IS4_ISSUER")}/connect/token`, form({ grant_type: "password", client_id: "map-spa",
    username, password, scope: "openid profile email arcgis.read" }))).json();
  if (!subject.access_token) throw new Error(`IdentityServer4 token for ${username}: ${JSON.stringify(subject)}`);
  const exchange = async () => {
    const response = await fetch(`${realm}/protocol/openid-connect/token`, {
      ...form({ grant_type: "urn:ietf:params:oauth:grant-type:token-exchange", subject_token: subject.access_token,
        subject_token_type: "urn:ietf:params:oauth:token-type:access_token", subject_issuer: "identityserver4",
        requested_issuer: "arcgis" }),
      headers: { "Content-Type": "application/x-www-form-urlencoded",
        Authorization: "Basic " + Buffer.from(`map-app:${required(env, "MAP_APP_SECRET")}`).toString("base64") },
    });
    return { status: response.status, body: await response.json() };
  };
  const before = await exchange();
  const linkUrl = before.body["account-link-url"];
  if (!linkUrl) throw new Error(`no account-link-url for ${username}: HTTP ${before.status} ${before.body.error ?? ""}`);
  // Any URI under the app's origin is a valid redirect_uri for map-app (realm export); the app need not run.
  const redirectUri = `${env.MAP_APP_URL ?? "http://localhost:8081"}/linked`;
  const result = await linkArcgisAccount(linkUrl, { username, password, redirectUri });
  const after = await exchange();
  console.log(`${username}: linking ${result.status} after ${result.pages} pages; the exchange now answers HTTP ${after.status}`
    + (after.body.userId ? ` with the ArcGIS token of ${after.body.userId}` : ` ${after.body.error ?? ""}`));
  console.log(`  the way: ${result.trail.join(" > ")}`);
  return result.linked && after.status === 200 && !!after.body.access_token;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then((ok) => process.exit(ok ? 0 : 1), (error) => {
    console.error(`linking failed: ${error.message}`);
    process.exit(1);
  });
}
