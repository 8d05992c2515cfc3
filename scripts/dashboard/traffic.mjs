// Generated traffic for the dashboard screenshot (scripts/render-dashboard.sh): token exchanges on a running local
// stack, as app backends and careless or hostile callers would send them, for DURATION seconds (600), so that every
// panel of docs/grafana-dashboard.json has something to show. Loopback only; bounded in time and in requests in
// flight (MAX_IN_FLIGHT, 6). The stack's URLs and map-app's secret come from .local/stack.env (scripts/stack-env.mjs)
// or the environment. Alice's ArcGIS account must be linked first (node scripts/link-arcgis.mjs alice alice).
//
// First a warm-up that uses every meter once, then QUIET seconds (90) of nothing (see warmUp below); WINDOW_FILE, when
// set, gets the time the traffic proper starts (Unix seconds). WARMUP=0 leaves the warm-up out.
//
// What it sends, at rates that swell and ebb over the run (a busy spell in the middle):
//   - exchanges of IdentityServer4 JWTs for tokens for arcgis-online by alice, bob and the users created so far;
//   - first exchanges of new users (load00001.., TESTBED_LOAD_USERS of the testbed issuer): each creates the user,
//     now and then three at once for the same new user (one creates it, the others wait for it or reuse it);
//   - exchanges of reference tokens (introspection, then its cache), a fresh reference token every ten seconds or so;
//   - exchanges to alice's own ArcGIS token (the vault: cached, refreshed as the emulator's short-lived tokens near
//     expiry), and bob's, who never linked (not_linked);
//   - refusals: a garbage token, a JWT with a forged signature, a token for another API (audience), an unknown
//     reference token, an audience map-app may not ask for; and a burst of forged tokens for 48 s (an attack);
//   - twice bench/arcgis-exchange.mjs (alice's ArcGIS token refreshed at every exchange, then cached), and three
//     times an unlink of alice's ArcGIS account (Keycloak revokes its authorization at ArcGIS) followed by linking it
//     again in headless Chromium (scripts/link-arcgis.mjs).
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { required, stackEnv } from "../stack-env.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const env = stackEnv();
const keycloak = required(env, "KEYCLOAK");
const realm = required(env, "KEYCLOAK_REALM_URL");
const issuer = required(env, "IS4_ISSUER");
const basic = "Basic " + Buffer.from(`map-app:${required(env, "MAP_APP_SECRET")}`).toString("base64");
const DURATION = Number(env.DURATION ?? 600) * 1000;
const MAX_IN_FLIGHT = Number(env.MAX_IN_FLIGHT ?? 6);
const LOAD_USERS = Number(env.TESTBED_LOAD_USERS ?? 0);
const EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token";

const form = (values) => ({ method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams(values) });
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const pick = (list) => list[Math.floor(Math.random() * list.length)];

// --- what was sent and what came back ------------------------------------------------------------------------------
const tally = new Map();
function count(kind, status) {
  const key = `${kind} ${status}`;
  tally.set(key, (tally.get(key) ?? 0) + 1);
}
let inFlight = 0;
let skipped = 0;

async function is4Token(username, extra = {}) {
  const response = await fetch(`${issuer}/connect/token`, form({ grant_type: "password", client_id: "map-spa", username,
    password: username, ...extra }));
  const body = await response.json();
  if (!body.access_token) throw new Error(`IdentityServer4 token for ${username}: HTTP ${response.status} ${JSON.stringify(body)}`);
  return body.access_token;
}

/** One exchange by map-app; kind names it in the tally. */
async function exchange(kind, subjectToken, target = { audience: "arcgis-online" }) {
  inFlight++;
  try {
    const response = await fetch(`${realm}/protocol/openid-connect/token`, {
      ...form({ grant_type: EXCHANGE, subject_token: subjectToken, subject_token_type: ACCESS_TOKEN,
        subject_issuer: "identityserver4", ...target }),
      headers: { "Content-Type": "application/x-www-form-urlencoded", Authorization: basic },
    });
    const body = await response.json().catch(() => ({}));
    count(kind, response.ok ? response.status : `${response.status} ${body.error ?? ""}`.trim());
    return response.status;
  } catch (error) {
    count(kind, `failed ${error.cause?.code ?? error.message}`);
    return 0;
  } finally {
    inFlight--;
  }
}

// --- subjects ---------------------------------------------------------------------------------------------------------
const tokens = new Map();                 // username -> IdentityServer4 JWT (valid an hour: longer than the run)
const known = [];                         // users whose Keycloak account exists (created by an earlier exchange)
let nextLoadUser = 1;
let references = [];                      // recent reference tokens (introspected once, then from the cache)

async function tokenOf(username) {
  if (!tokens.has(username)) tokens.set(username, await is4Token(username));
  return tokens.get(username);
}
function forged(jwt) { // the same header and claims, another signature
  const [header, payload, signature] = jwt.split(".");
  const flipped = (signature[0] === "A" ? "B" : "A") + signature.slice(1);
  return `${header}.${payload}.${flipped}`;
}

const senders = {
  // a user known to Keycloak, token for arcgis-online
  async keycloakToken() {
    const user = pick(known);
    await exchange("jwt -> arcgis-online", await tokenOf(user));
  },
  // a user's first exchange: Keycloak creates the user
  async newUser(parallel = Math.random() < 0.2 ? 3 : 1) {
    if (nextLoadUser > LOAD_USERS) return;
    const user = `load${String(nextLoadUser++).padStart(5, "0")}`;
    const token = await tokenOf(user);
    // Now and then the app sends several requests for a new user at once (a page loading several layers).
    const statuses = await Promise.all(Array.from({ length: parallel }, () => exchange("first exchange (new user)", token)));
    if (statuses.includes(200)) known.push(user);
  },
  async reference() {
    if (references.length === 0 || Math.random() < 0.06) {
      references = [await is4Token(pick(known.slice(0, 20)), { token_format: "reference" }), ...references].slice(0, 4);
    }
    await exchange("reference -> arcgis-online", pick(references));
  },
  async arcgisAlice() {
    await exchange("alice -> ArcGIS token", await tokenOf("alice"), { requested_issuer: "arcgis" });
  },
  async arcgisBob() {
    await exchange("bob -> ArcGIS token (not linked)", await tokenOf("bob"), { requested_issuer: "arcgis" });
  },
  async garbage() {
    await exchange("refused: garbage", pick(["eyJhbGciOiJSUzI1NiJ9.bm90IGEgdG9rZW4.c2lnbmF0dXJl", "undefined.x.y", "null.null.null"]));
  },
  async forgedSignature() {
    await exchange("refused: forged signature", forged(await tokenOf(pick(known.slice(0, 20)))));
  },
  async otherApi() {
    await exchange("refused: token for another API", await is4Token(pick(["alice", "bob"]), { audience: "https://reports.example.org/api" }));
  },
  async unknownReference() {
    await exchange("refused: unknown reference token", Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("hex").toUpperCase());
  },
  async audienceNotAllowed() {
    await exchange("refused: audience not allowed for map-app", await tokenOf("alice"), { audience: "arcgis-enterprise-test" });
  },
};

// --- the shape of the run -------------------------------------------------------------------------------------------
// Requests per second of each sender at fraction f of the run: a working day in ten minutes, busiest in the middle.
function rates(f) {
  const load = 0.55 + 0.45 * Math.sin(Math.PI * f) + 0.15 * Math.sin(6 * Math.PI * f);
  const attack = f > 0.7 && f < 0.78 ? 4 : 0;
  return {
    keycloakToken: 7 * load,
    newUser: f < 0.9 ? 0.22 + 0.2 * load : 0.05,
    reference: 1.6 * load,
    arcgisAlice: 1.4 * load,
    arcgisBob: 0.08,
    garbage: 0.08 + attack * 0.6,
    forgedSignature: 0.06 + attack * 0.4,
    otherApi: 0.06,
    unknownReference: 0.05,
    audienceNotAllowed: 0.03,
  };
}

function run(command, args, extraEnv = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...extraEnv }, stdio: ["ignore", "inherit", "inherit"] });
    child.on("exit", (code) => resolve(code));
    child.on("error", (error) => { console.error(`${command}: ${error.message}`); resolve(1); });
  });
}

async function admin(method, url, body) {
  const token = (await (await fetch(`${keycloak}/realms/master/protocol/openid-connect/token`, form({ grant_type: "password",
    client_id: "admin-cli", username: env.STACK_ADMIN_USER ?? "admin", password: env.STACK_ADMIN_PASSWORD ?? "admin" }))).json()).access_token;
  const response = await fetch(`${keycloak}/admin/realms/arcgis/${url}`, { method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined });
  if (!response.ok) throw new Error(`admin ${method} ${url}: HTTP ${response.status}`);
  return response.status === 204 || response.status === 201 ? null : response.json();
}

// Things that happen once, at a fraction of the run. Alice unlinks three times: Prometheus first sees a counter when
// Keycloak creates it at its first increment, so the first revocation raises no graph; the later ones do.
const unlinkAndRelink = {
  what: "alice unlinks ArcGIS (Keycloak revokes the authorization at ArcGIS), and links again 20 s later",
  async run() {
    const [alice] = await admin("GET", "users?username=alice&exact=true");
    await admin("DELETE", `users/${alice.id}/federated-identity/arcgis`);
    await sleep(20000);
    const code = await run("node", ["scripts/link-arcgis.mjs", "alice", "alice"]);
    if (code !== 0) throw new Error("linking alice again failed");
  },
};
const arcgisBench = {
  what: "bench/arcgis-exchange.mjs: alice's ArcGIS token refreshed at every exchange, then cached",
  async run() { await run("node", ["bench/arcgis-exchange.mjs"], { EXCHANGES: "80", ROUNDS: "1" }); },
};
const events = [
  { at: 0.15, ...arcgisBench },
  { at: 0.33, ...unlinkAndRelink },
  { at: 0.5, ...unlinkAndRelink },
  { at: 0.62, ...arcgisBench },
  { at: 0.86, ...unlinkAndRelink },
];

// The extension registers its counters at zero when Keycloak starts, but an exchange timer (tagged with the realm,
// target, outcome and reason) appears at its first use, so Prometheus first sees it already at 1 (or at 80, when a
// burst falls between two scrapes), and rate() and increase() miss what came before: a long-running server has them
// already. The warm-up uses each once, then the run waits QUIET seconds (90) so that no rate window of the
// time range drawn (from 20 s before the traffic on, windows up to a minute) reaches back to it.
async function warmUp() {
  await senders.reference();
  await senders.reference();
  await senders.arcgisAlice();
  await senders.arcgisBob();
  for (const name of ["garbage", "forgedSignature", "otherApi", "unknownReference", "audienceNotAllowed"]) await senders[name]();
  for (let i = 0; i < 3; i++) await senders.newUser(3);        // created, and reused by the requests that lost the race
  // refreshed and shared: every cached ArcGIS token counts as near expiry for a moment
  const original = await admin("GET", "identity-provider/instances/arcgis");
  try {
    await admin("PUT", "identity-provider/instances/arcgis", { ...original, config: { ...original.config, refreshMarginSeconds: "100000" } });
    for (let i = 0; i < 3; i++) await Promise.all(Array.from({ length: 4 }, () => senders.arcgisAlice()));
  } finally {
    await admin("PUT", "identity-provider/instances/arcgis", original);
  }
  await unlinkAndRelink.run();                                  // revoked
}

async function main() {
  // alice and bob exist (the realm export's users or a first exchange); the first exchange of each makes sure.
  for (const user of ["alice", "bob"]) {
    await exchange("jwt -> arcgis-online", await tokenOf(user));
    known.push(user);
  }
  if (env.WARMUP !== "0") {
    console.log("[traffic] warm-up: every counter once");
    await warmUp();
    const quiet = Number(env.QUIET ?? 90);
    console.log(`[traffic] quiet for ${quiet} s`);
    await sleep(quiet * 1000);
    tally.clear();
  }
  const started = Date.now();
  if (env.WINDOW_FILE) fs.writeFileSync(env.WINDOW_FILE, `${Math.floor(started / 1000)}\n`);
  const credit = Object.fromEntries(Object.keys(senders).map((name) => [name, Math.random()]));
  const pending = new Set();
  const track = (promise) => { pending.add(promise); promise.finally(() => pending.delete(promise)); };
  let eventIndex = 0;
  let eventRunning = false;
  let lastReport = started;
  const TICK = 100;
  while (Date.now() - started < DURATION) {
    const f = (Date.now() - started) / DURATION;
    // One event at a time: a later one waits for the one before it to finish.
    if (!eventRunning && eventIndex < events.length && f >= events[eventIndex].at) {
      const event = events[eventIndex++];
      console.log(`[traffic ${Math.round((Date.now() - started) / 1000)} s] ${event.what}`);
      eventRunning = true;
      track(event.run().catch((error) => console.error(`  ${error.message}`)).finally(() => { eventRunning = false; }));
    }
    for (const [name, rate] of Object.entries(rates(f))) {
      // Poisson-like: credit grows with the rate and a little noise; a whole unit sends one request.
      credit[name] += rate * (TICK / 1000) * (0.5 + Math.random());
      while (credit[name] >= 1) {
        credit[name] -= 1;
        if (inFlight >= MAX_IN_FLIGHT) { skipped++; continue; }
        track(senders[name]().catch((error) => count(name, `error ${error.message.slice(0, 80)}`)));
      }
    }
    if (Date.now() - lastReport >= 60000) {
      lastReport = Date.now();
      const sent = [...tally.values()].reduce((a, b) => a + b, 0);
      console.log(`[traffic ${Math.round((lastReport - started) / 1000)} s] ${sent} exchanges, ${known.length} users, ${skipped} skipped (busy)`);
    }
    await sleep(TICK);
  }
  await Promise.all([...pending]);
  console.log(`Traffic done in ${Math.round((Date.now() - started) / 1000)} s: ${known.length} users known to Keycloak, `
    + `${skipped} requests skipped (${MAX_IN_FLIGHT} in flight). Exchanges by kind and answer:`);
  for (const [key, n] of [...tally.entries()].sort()) console.log(`  ${String(n).padStart(6)}  ${key}`);
}

await main();
