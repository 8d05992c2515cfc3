// Measures the exchange to the user's ArcGIS token on a running local stack (./run-local.sh), for a user who has
// linked ArcGIS (the browser test links alice): latency with a cached ArcGIS token versus a refreshed one, and how many
// calls reach ArcGIS per 100 exchanges, and the extension's own share of each (latency less the emulator's own time).
// Sequential requests on loopback; WARMUP unmeasured exchanges per path first (100: a freshly started Keycloak has not
// compiled the refresh path yet), then EXCHANGES per path and round (100), ROUNDS interleaved rounds (1; with more, the
// median of the rounds' p50s is reported). The stack's URLs and map-app's secret come from .local/stack.env (or the
// environment).
import { required, stackEnv } from "../scripts/stack-env.mjs";

const env = stackEnv();
const keycloak = required(env, "KEYCLOAK");
const realm = `${keycloak}/realms/arcgis`;
const issuer = required(env, "IS4_ISSUER");
const emulator = required(env, "ARCGIS_EMULATOR");
const basic = "Basic " + Buffer.from(`map-app:${required(env, "MAP_APP_SECRET")}`).toString("base64");
const count = Number(env.EXCHANGES ?? 100);
const rounds = Number(env.ROUNDS ?? 1);
const warmups = Number(env.WARMUP ?? 100);

const form = (values) => ({ method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: new URLSearchParams(values) });
const json = async (response) => { const body = await response.json(); if (!response.ok) throw new Error(JSON.stringify(body)); return body; };

const admin = (await json(await fetch(`${keycloak}/realms/master/protocol/openid-connect/token`,
  form({ grant_type: "password", client_id: "admin-cli", username: env.STACK_ADMIN_USER ?? "admin",
    password: env.STACK_ADMIN_PASSWORD ?? "admin" })))).access_token;
const idpUrl = `${keycloak}/admin/realms/arcgis/identity-provider/instances/arcgis`;
const original = await json(await fetch(idpUrl, { headers: { Authorization: `Bearer ${admin}` } }));
const setMargin = async (seconds) => {
  const updated = structuredClone(original);
  updated.config.refreshMarginSeconds = String(seconds);
  const response = await fetch(idpUrl, { method: "PUT", headers: { Authorization: `Bearer ${admin}`, "Content-Type": "application/json" },
    body: JSON.stringify(updated) });
  if (!response.ok) throw new Error(`identity provider update: HTTP ${response.status}`);
};
const subject = (await json(await fetch(`${issuer}/connect/token`,
  form({ grant_type: "password", client_id: "map-spa", username: "alice", password: "alice" })))).access_token;
const stats = async () => json(await fetch(`${emulator}/emulator/stats`));
const exchange = () => fetch(`${realm}/protocol/openid-connect/token`, {
  ...form({ grant_type: "urn:ietf:params:oauth:grant-type:token-exchange", subject_token: subject,
    subject_token_type: "urn:ietf:params:oauth:token-type:access_token", subject_issuer: "identityserver4", requested_issuer: "arcgis" }),
  headers: { "Content-Type": "application/x-www-form-urlencoded", Authorization: basic },
});

async function warmUp() {
  for (let i = 0; i < warmups; i++) {
    const response = await exchange();
    await response.json();
    if (!response.ok) throw new Error(`warm-up exchange ${i} answered HTTP ${response.status}`);
  }
}

async function run(label) {
  const before = await stats();
  const latencies = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const response = await exchange();
    await response.json();
    if (!response.ok) throw new Error(`${label}: exchange ${i} answered HTTP ${response.status}`);
    latencies.push(performance.now() - started);
  }
  const after = await stats();
  latencies.sort((a, b) => a - b);
  const at = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  const grants = ["refresh_token", "exchange_refresh_token", "client_credentials"];
  const calls = grants.reduce((sum, g) => sum + after[g] - before[g], 0);
  // The emulator times its own handling of each grant: what remains of an exchange's latency is the extension's and
  // Keycloak's own share (and loopback transit).
  const arcgisMillis = grants.reduce((sum, g) => sum + after.tokenEndpointMillis[g].totalMillis - before.tokenEndpointMillis[g].totalMillis, 0);
  const perCall = calls === 0 ? 0 : arcgisMillis / calls;
  console.log(`${label.padEnd(24)} ${count} exchanges  p50 ${at(0.5).toFixed(1)} ms  p99 ${at(0.99).toFixed(1)} ms  `
    + `ArcGIS calls ${calls} (${perCall.toFixed(1)} ms each at the emulator)  own share p50 ${(at(0.5) - perCall).toFixed(1)} ms`);
  return at(0.5) - perCall;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

try {
  await setMargin(100000);
  await warmUp();
  await setMargin(5);
  await warmUp();
  const own = { refreshed: [], cached: [] };
  for (let round = 1; round <= rounds; round++) {
    await setMargin(100000);              // every cached token counts as near expiry: each exchange refreshes
    own.refreshed.push(await run("refreshed ArcGIS token"));
    await setMargin(5);                   // tokens with more than 5 s left are served from the vault
    await exchange();
    own.cached.push(await run("cached ArcGIS token"));
  }
  if (rounds > 1) {
    console.log(`own share p50, median of ${rounds} rounds: refreshed ${median(own.refreshed).toFixed(1)} ms, `
      + `cached ${median(own.cached).toFixed(1)} ms`);
  }
} finally {
  const response = await fetch(idpUrl, { method: "PUT", headers: { Authorization: `Bearer ${admin}`, "Content-Type": "application/json" },
    body: JSON.stringify(original) });
  if (!response.ok) console.error(`restoring the identity provider failed: HTTP ${response.status}`);
}
