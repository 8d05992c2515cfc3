// The checks of cluster/run-cluster.sh, one phase per invocation: node cluster/checks.mjs <phase> [--options].
//   realm     fresh realm "arcgis" (replaces the one an earlier run left, through node1's admin API)
//   users     users and links made on one node are seen by the other; concurrent first exchanges on both nodes
//   load      exchanges against both nodes, node2 killed (SIGKILL) mid-load; classifies every request
//   steady    exchanges against node1 while node2 restarts and rejoins (until RESULTS/steady.run disappears)
//   rejoined  the restarted node2 resolves existing users, and users made on either node are seen by the other
//   arcgis    the user's ArcGIS token: link once (headless Chromium, scripts/link-arcgis.mjs), then one refresh per
//             expiry across both nodes
//   summary   prints every phase's result lines; exit code 1 if any phase failed or is missing
// Each phase writes RESULTS/<phase>.json. Tokens are never printed: only statuses, counts, ids and timings.
// MAP_APP_SECRET (the secret Keycloak generated for map-app) comes from cluster/run-cluster.sh, which also writes it to
// .local/cluster/stack.env.
import fs from "node:fs";
import { performance } from "node:perf_hooks";
import { linkArcgisAccount } from "../scripts/link-arcgis.mjs";

const env = process.env;
const NODES = { node1: env.NODE1, node2: env.NODE2 };
const ISSUER = env.ISSUER;
const PORTAL = env.PORTAL;
const RESULTS = env.RESULTS;
const LOAD_USERS = Number(env.LOAD_USERS ?? 220);
const LINK_MINUTES = Number(env.LINK_MINUTES ?? 3);
const TOKEN_PATH = "/realms/arcgis/protocol/openid-connect/token";
const BASIC = env.MAP_APP_SECRET ? "Basic " + Buffer.from(`map-app:${env.MAP_APP_SECRET}`).toString("base64") : null;
const EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS = "urn:ietf:params:oauth:token-type:access_token";
const ORDER = ["users", "load", "steady", "rejoined", "arcgis", "logs"];

const [phase, ...rest] = process.argv.slice(2);
if (!BASIC && !["realm", "summary"].includes(phase)) {
  console.error("MAP_APP_SECRET is not set (cluster/run-cluster.sh reads it from Keycloak after the realm phase)");
  process.exit(2);
}
const opts = Object.fromEntries(rest.map((a) => a.replace(/^--/, "").split("=")).map(([k, v]) => [k, v ?? "true"]));

// --- reporting ---------------------------------------------------------------------------------------------------
let current = null;
class Report {
  constructor(check) { this.check = check; this.lines = []; this.ok = true; current = this; }
  line(text) { this.lines.push(text); console.log(text); }
  pass(text) { this.line(`ok   ${text}`); }
  fail(text) { this.ok = false; this.line(`FAIL ${text}`); }
  info(text) { this.line(`     ${text}`); }
  expect(condition, text) { if (condition) this.pass(text); else this.fail(text); return condition; }
  save() {
    fs.writeFileSync(`${RESULTS}/${this.check}.json`, JSON.stringify({ check: this.check, ok: this.ok, lines: this.lines }, null, 1));
    return this.ok;
  }
}

// --- HTTP ----------------------------------------------------------------------------------------------------------
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function request(url, { method = "GET", form, json, headers = {}, timeout = 30000 } = {}) {
  const t0 = performance.now();
  const init = { method, headers: { ...headers }, signal: AbortSignal.timeout(timeout) };
  if (form) { init.headers["content-type"] = "application/x-www-form-urlencoded"; init.body = new URLSearchParams(form).toString(); }
  if (json !== undefined) { init.headers["content-type"] = "application/json"; init.body = JSON.stringify(json); }
  try {
    const response = await fetch(url, init);
    const text = await response.text();
    let body;
    try { body = text ? JSON.parse(text) : {}; } catch { body = { raw: text.slice(0, 200) }; }
    return { status: response.status, body, t0, t1: performance.now() };
  } catch (error) {
    const code = error.cause?.code ?? error.cause?.name ?? error.name ?? String(error);
    return { status: 0, error: code, body: {}, t0, t1: performance.now() };
  }
}

function exchange(node, subjectToken, extra = {}, timeout = 30000) {
  return request(NODES[node] + TOKEN_PATH, {
    method: "POST", headers: { authorization: BASIC }, timeout,
    form: { grant_type: EXCHANGE, subject_token: subjectToken, subject_token_type: ACCESS, subject_issuer: "identityserver4", ...extra },
  });
}

function claims(jwt) {
  try { return JSON.parse(Buffer.from(String(jwt).split(".")[1], "base64url").toString("utf8")); } catch { return null; }
}

const loadName = (n) => `load${String(n).padStart(5, "0")}`;
const loadSubject = (n) => String(9_000_000 + n);
const range = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function is4Token(username, password = username) {
  const reply = await request(`${ISSUER}/connect/token`, {
    method: "POST",
    form: { grant_type: "password", client_id: "map-spa", username, password, scope: "openid profile email arcgis.read" },
  });
  if (reply.status !== 200 || !reply.body.access_token) throw new Error(`IdentityServer4 token for ${username}: HTTP ${reply.status} ${reply.error ?? ""}`);
  return reply.body.access_token;
}

async function is4Tokens(numbers) {
  const tokens = new Map();
  await pool(numbers, 8, async (n) => tokens.set(n, await is4Token(loadName(n))));
  return tokens;
}

/** Runs fn over items with at most `width` at once. */
async function pool(items, width, fn) {
  const queue = [...items];
  const results = [];
  await Promise.all(Array.from({ length: width }, async () => {
    while (queue.length) { const item = queue.shift(); results.push(await fn(item)); }
  }));
  return results;
}

// --- admin API (per node: each node answers from its own caches) ------------------------------------------------------
const adminTokens = {};
async function admin(node, path, options = {}) {
  const cached = adminTokens[node];
  if (!cached || cached.until < Date.now()) {
    const reply = await request(`${NODES[node]}/realms/master/protocol/openid-connect/token`, {
      method: "POST", form: { grant_type: "password", client_id: "admin-cli", username: env.STACK_ADMIN_USER ?? "admin",
        password: env.STACK_ADMIN_PASSWORD ?? "admin" },
    });
    if (reply.status !== 200) throw new Error(`admin token from ${node}: HTTP ${reply.status} ${reply.error ?? ""}`);
    adminTokens[node] = { token: reply.body.access_token, until: Date.now() + 30_000 };
  }
  return request(`${NODES[node]}/admin/realms${path}`, { ...options, headers: { authorization: `Bearer ${adminTokens[node].token}` } });
}
async function userCount(node) { return (await admin(node, "/arcgis/users/count")).body; }
async function usersNamed(node, username) {
  const reply = await admin(node, `/arcgis/users?exact=true&username=${encodeURIComponent(username)}`);
  return Array.isArray(reply.body) ? reply.body : [];
}
async function links(node, userId) {
  const reply = await admin(node, `/arcgis/users/${userId}/federated-identity`);
  return Array.isArray(reply.body) ? reply.body : [];
}

function percentile(values, p) {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
const ms = (v) => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : "n/a");
const tally = (replies) => {
  const counts = {};
  for (const r of replies) { const key = r.status === 0 ? r.error : `${r.status}${r.body?.error ? " " + r.body.error : ""}`; counts[key] = (counts[key] ?? 0) + 1; }
  return Object.entries(counts).map(([k, v]) => `${k}: ${v}`).join(", ") || "none";
};

// --- phases --------------------------------------------------------------------------------------------------------
const phases = {
  async realm() {
    const realmJson = fs.readFileSync(env.REALM_FILE, "utf8");
    const existing = await admin("node1", "/arcgis");
    if (existing.status === 200) {
      const count = await userCount("node1");
      if (count === 0) { console.log("realm arcgis imported at start (no users yet)"); return true; }
      console.log(`realm arcgis from an earlier run (${count} users): replacing it with a fresh import`);
      const deleted = await admin("node1", "/arcgis", { method: "DELETE", timeout: 120000 });
      if (deleted.status !== 204) throw new Error(`deleting realm arcgis: HTTP ${deleted.status}`);
    }
    const created = await admin("node1", "", { method: "POST", json: JSON.parse(realmJson), timeout: 120000 });
    if (created.status !== 201) throw new Error(`importing realm arcgis: HTTP ${created.status} ${JSON.stringify(created.body).slice(0, 300)}`);
    console.log("realm arcgis imported through the admin API");
    return true;
  },

  async users() {
    const r = new Report("users");
    const tokens = await is4Tokens(range(1, 200));
    const start = { node1: await userCount("node1"), node2: await userCount("node2") };
    r.expect(start.node1 === 0 && start.node2 === 0, `fresh realm: 0 users on both nodes (node1 ${start.node1}, node2 ${start.node2})`);

    // A user made by a first exchange on `maker` is the same user, with the same link, on `other`.
    async function madeOnOneSeenOnOther(numbers, maker, other) {
      const problems = [];
      await pool(numbers, 4, async (n) => {
        const first = await exchange(maker, tokens.get(n));
        const id = claims(first.body.access_token)?.sub;
        if (first.status !== 200 || !id) { problems.push(`${loadName(n)} first exchange on ${maker}: ${first.status} ${first.error ?? first.body.error ?? ""}`); return; }
        const seen = await usersNamed(other, loadName(n));
        if (seen.length !== 1 || seen[0].id !== id) { problems.push(`${loadName(n)} on ${other}: ${seen.length} users, ids ${seen.map((u) => u.id)} vs ${id}`); return; }
        const link = (await links(other, id)).find((l) => l.identityProvider === "identityserver4");
        if (!link || link.userId !== loadSubject(n)) { problems.push(`${loadName(n)} on ${other}: link ${JSON.stringify(link)}`); return; }
        const again = await exchange(other, tokens.get(n));
        if (again.status !== 200 || claims(again.body.access_token)?.sub !== id) { problems.push(`${loadName(n)} exchange on ${other}: ${again.status} sub ${claims(again.body.access_token)?.sub}`); return; }
        const forArcgis = await exchange(other, tokens.get(n), { audience: "arcgis-online" });
        const c = claims(forArcgis.body.access_token);
        if (forArcgis.status !== 200 || c?.sub !== id || c?.preferred_username !== loadName(n)
            || ![].concat(c?.aud).includes("arcgis-online")) {
          problems.push(`${loadName(n)} arcgis-online exchange on ${other}: ${forArcgis.status} sub ${c?.sub}`
            + ` user ${c?.preferred_username} aud ${c?.aud}`);
        }
      });
      return problems;
    }

    let problems = await madeOnOneSeenOnOther(range(1, 20), "node1", "node2");
    r.expect(problems.length === 0, `20 users created by first exchanges on node1: node2's admin API shows each (same id, link identityserver4 = IdentityServer4 sub), node2's exchanges resolve to the same user (token sub = that id) and mint arcgis-online tokens for it (sub = that user, preferred_username its name)${problems.length ? ": " + problems.slice(0, 3).join("; ") : ""}`);
    let counts = [await userCount("node1"), await userCount("node2")];
    r.expect(counts[0] === 20 && counts[1] === 20, `user count after exchanging them on both nodes: node1 ${counts[0]}, node2 ${counts[1]} (expected 20: nothing created twice)`);

    problems = await madeOnOneSeenOnOther(range(21, 40), "node2", "node1");
    r.expect(problems.length === 0, `20 users created by first exchanges on node2: node1 sees the same users and links and resolves to them${problems.length ? ": " + problems.slice(0, 3).join("; ") : ""}`);
    counts = [await userCount("node1"), await userCount("node2")];
    r.expect(counts[0] === 40 && counts[1] === 40, `user count: node1 ${counts[0]}, node2 ${counts[1]} (expected 40)`);

    // Concurrent first exchanges for one new subject, spread over both nodes: every request must get 200 for the one
    // user (the losers of the insert reuse the winner's user), never Keycloak's 409 conflict, never a 5xx.
    async function race(subjects, perSubject, atOnce) {
      const raced = [];
      const failures = [];
      await pool(subjects, atOnce, async (n) => {
        const nodes = [...Array(perSubject)].map((_, i) => (i % 2 ? "node2" : "node1"));
        const replies = await Promise.all(nodes.map((node) => exchange(node, tokens.get(n)).then((x) => ({ ...x, node }))));
        raced.push(...replies);
        const ids = new Set(replies.filter((x) => x.status === 200).map((x) => claims(x.body.access_token)?.sub));
        const users = [await usersNamed("node1", loadName(n)), await usersNamed("node2", loadName(n))];
        if (replies.some((x) => x.status !== 200) || ids.size !== 1 || users[0].length !== 1 || users[1].length !== 1
          || !ids.has(users[0][0].id) || users[1][0].id !== users[0][0].id) {
          failures.push(`${loadName(n)}: ${tally(replies)}; ids ${[...ids]}; users node1 ${users[0].length} node2 ${users[1].length}`);
        }
      });
      return { raced, failures };
    }
    const small = await race(range(41, 60), 4, 1);
    r.expect(small.failures.length === 0, `concurrent first exchanges, 20 new subjects x 4 requests (2 on each node at once): every request 200, one user per subject seen alike on both nodes; answers ${tally(small.raced)}${small.failures.length ? ": " + small.failures.slice(0, 3).join("; ") : ""}`);
    const large = await race(range(61, 110), 8, 5);
    r.expect(large.failures.length === 0, `concurrent first exchanges, 50 new subjects x 8 requests (4 on each node at once, 5 subjects at a time): every request 200, one user per subject; answers ${tally(large.raced)}${large.failures.length ? ": " + large.failures.slice(0, 3).join("; ") : ""}`);
    counts = [await userCount("node1"), await userCount("node2")];
    r.expect(counts[0] === 110 && counts[1] === 110, `user count: node1 ${counts[0]}, node2 ${counts[1]} (expected 110)`);

    // The rest of the load users, created alternately on both nodes, 4 at a time.
    const warm = await pool(range(111, 200), 4, async (n) => exchange(n % 2 ? "node1" : "node2", tokens.get(n), { audience: "arcgis-online" }));
    counts = [await userCount("node1"), await userCount("node2")];
    r.expect(warm.every((x) => x.status === 200) && counts[0] === 200 && counts[1] === 200,
      `90 more users created by first exchanges alternating between the nodes (${tally(warm)}); user count node1 ${counts[0]}, node2 ${counts[1]} (expected 200)`);
    return r.save();
  },

  async load() {
    const r = new Report("load");
    const duration = Number(opts.duration ?? 30) * 1000;
    const killAfter = Number(opts["kill-after"] ?? 10) * 1000;
    const workers = Number(opts.workers ?? 4);
    const pid = Number(opts["kill-pid"]);
    const tokens = await is4Tokens(range(1, 200));
    const statsBefore = (await request(`${ISSUER}/testbed/stats`)).body;
    const records = [];
    const begin = performance.now();
    let killTime = Infinity;
    const killer = setTimeout(() => {
      killTime = performance.now();
      process.kill(pid, "SIGKILL");
      console.log(`     node2 (pid ${pid}) killed with SIGKILL at t=${((killTime - begin) / 1000).toFixed(1)} s`);
    }, killAfter);
    const worker = async (node) => {
      while (performance.now() - begin < duration) {
        const n = 1 + Math.floor(Math.random() * 200);
        const reply = await exchange(node, tokens.get(n), { audience: "arcgis-online" });
        const c = reply.status === 200 ? claims(reply.body.access_token) : null;
        records.push({ node, n, status: reply.status, error: reply.error, oauthError: reply.body?.error, t0: reply.t0, t1: reply.t1,
          good: reply.status === 200 && c?.preferred_username === loadName(n) && [].concat(c?.aud).includes("arcgis-online") });
        if (reply.status === 0) await sleep(100);
      }
    };
    await Promise.all([...Array(workers)].flatMap(() => [worker("node1"), worker("node2")]));
    clearTimeout(killer);
    const statsAfter = (await request(`${ISSUER}/testbed/stats`)).body;

    const node1 = records.filter((x) => x.node === "node1");
    const node1Bad = node1.filter((x) => !x.good);
    const lat = node1.map((x) => x.t1 - x.t0);
    const afterKill = node1.filter((x) => x.t1 >= killTime && x.t0 <= killTime + 5000);
    const seconds = duration / 1000;
    r.expect(node1.length > 0 && node1Bad.length === 0,
      `node1: ${node1.length} exchanges in ${seconds} s (${(node1.length / seconds).toFixed(0)}/s), all 200 with preferred_username and aud checked (failures: ${node1Bad.length}${node1Bad.length ? ", " + tally(node1Bad) : ""})`);
    r.info(`node1 latency p50 ${ms(percentile(lat, 50))}, p99 ${ms(percentile(lat, 99))}, max ${ms(Math.max(...lat))}; in the 5 s after the kill: ${afterKill.length} exchanges, p99 ${ms(percentile(afterKill.map((x) => x.t1 - x.t0), 99))}, max ${ms(Math.max(...afterKill.map((x) => x.t1 - x.t0)))}`);

    const node2 = records.filter((x) => x.node === "node2");
    const before = node2.filter((x) => x.t1 < killTime);
    const inFlight = node2.filter((x) => x.t0 < killTime && x.t1 >= killTime);
    const after = node2.filter((x) => x.t0 >= killTime);
    const beforeBad = before.filter((x) => !x.good);
    const inFlightOk = inFlight.filter((x) => x.good);
    const inFlightLost = inFlight.filter((x) => x.status === 0);
    const inFlightBad = inFlight.filter((x) => !x.good && x.status !== 0);
    const afterRefused = after.filter((x) => x.status === 0);
    const afterBad = after.filter((x) => x.status !== 0);
    r.expect(Number.isFinite(killTime), `node2 killed at t=${((killTime - begin) / 1000).toFixed(1)} s of ${seconds} s`);
    r.expect(before.length > 0 && beforeBad.length === 0,
      `node2 before the kill: ${before.length} exchanges, all 200 (failures: ${beforeBad.length}${beforeBad.length ? ", " + tally(beforeBad) : ""}); p50 ${ms(percentile(before.map((x) => x.t1 - x.t0), 50))}, p99 ${ms(percentile(before.map((x) => x.t1 - x.t0), 99))}`);
    r.expect(inFlightBad.length === 0,
      `node2 requests in flight at the kill: ${inFlight.length} (${inFlightLost.length} connection errors: ${tally(inFlightLost)}; ${inFlightOk.length} answered 200 just before; other answers: ${inFlightBad.length})`);
    r.expect(afterBad.length === 0,
      `node2 requests after the kill: ${after.length}, all connection errors (${tally(afterRefused)}; any HTTP answer: ${afterBad.length})`);
    const jwks = statsAfter.jwks - statsBefore.jwks;
    r.info(`IdentityServer4 calls during the load: JWKS ${jwks}, introspection ${statsAfter.introspection - statsBefore.introspection}, userinfo ${statsAfter.userinfo - statsBefore.userinfo} (keys cached on each node)`);
    return r.save();
  },

  async steady() {
    const r = new Report("steady");
    const tokens = await is4Tokens(range(1, 40));
    const records = [];
    const begin = performance.now();
    const flag = `${RESULTS}/steady.run`;
    const worker = async () => {
      while (fs.existsSync(flag) && performance.now() - begin < 300_000) {
        const n = 1 + Math.floor(Math.random() * 40);
        const reply = await exchange("node1", tokens.get(n), { audience: "arcgis-online" });
        records.push({ ...reply, good: reply.status === 200 && claims(reply.body.access_token)?.preferred_username === loadName(n) });
        await sleep(50);
      }
    };
    await Promise.all([worker(), worker()]);
    const bad = records.filter((x) => !x.good);
    const lat = records.map((x) => x.t1 - x.t0);
    r.expect(records.length > 0 && bad.length === 0,
      `node1 while node2 restarted and rejoined (${((performance.now() - begin) / 1000).toFixed(0)} s, 2 workers): ${records.length} exchanges, all 200 (failures: ${bad.length}${bad.length ? ", " + tally(bad) : ""}); p50 ${ms(percentile(lat, 50))}, p99 ${ms(percentile(lat, 99))}, max ${ms(Math.max(...lat))}`);
    return r.save();
  },

  async rejoined() {
    const r = new Report("rejoined");
    const tokens = await is4Tokens([...range(1, 20), ...range(201, Math.min(220, LOAD_USERS))]);
    const problems = [];
    await pool(range(1, 20), 4, async (n) => {
      const known = await usersNamed("node1", loadName(n));
      const reply = await exchange("node2", tokens.get(n));
      if (reply.status !== 200 || known.length !== 1 || claims(reply.body.access_token)?.sub !== known[0].id) problems.push(`${loadName(n)}: ${reply.status}`);
    });
    r.expect(problems.length === 0, `restarted node2 resolves 20 existing users to the same Keycloak users${problems.length ? ": " + problems.slice(0, 3).join("; ") : ""}`);
    const counts0 = await userCount("node1");
    for (const [numbers, maker, other] of [[range(201, 210), "node2", "node1"], [range(211, 220), "node1", "node2"]]) {
      const bad = [];
      await pool(numbers, 4, async (n) => {
        const made = await exchange(maker, tokens.get(n));
        const id = claims(made.body.access_token)?.sub;
        const seen = await usersNamed(other, loadName(n));
        const link = seen.length === 1 ? (await links(other, seen[0].id)).find((l) => l.identityProvider === "identityserver4") : null;
        const again = await exchange(other, tokens.get(n));
        if (made.status !== 200 || seen.length !== 1 || seen[0].id !== id || link?.userId !== loadSubject(n)
            || again.status !== 200 || claims(again.body.access_token)?.sub !== id) bad.push(`${loadName(n)}: ${made.status}/${seen.length}/${again.status}`);
      });
      r.expect(bad.length === 0, `10 new users created on ${maker} after the rejoin: ${other} sees each (same id and link) and resolves to it${bad.length ? ": " + bad.slice(0, 3).join("; ") : ""}`);
    }
    const counts = [await userCount("node1"), await userCount("node2")];
    r.expect(counts[0] === counts0 + 20 && counts[1] === counts[0], `user count: node1 ${counts[0]}, node2 ${counts[1]} (expected ${counts0 + 20} on both)`);
    return r.save();
  },

  async arcgis() {
    const r = new Report("arcgis");
    const aliceToken = await is4Token("alice", "alice");
    // The vault waits up to 30 s for another node's refresh: give it longer, to see its own answer.
    const arcgisExchange = (node) => exchange(node, aliceToken, { requested_issuer: "arcgis" }, 45000);
    const emulator = async () => (await request(`${PORTAL}/emulator/stats`)).body;

    const unlinked = await arcgisExchange("node2");
    const linkUrl = unlinked.body["account-link-url"];
    r.expect(unlinked.status === 400 && unlinked.body.error === "not_linked" && !!linkUrl, `before linking: node2 answers ${unlinked.status} ${unlinked.body.error} with an account-link-url`);
    if (!linkUrl) return r.save();

    // Link once, the way a user follows the account-link-url, in headless Chromium: Keycloak (node1's public URL) ->
    // IdentityServer4 login -> Keycloak's idp_link confirmation -> ArcGIS sign-in through its OpenID Connect login
    // (Keycloak again, SSO) -> back to map-app's redirect URI (no app needs to run there).
    const result = await linkArcgisAccount(linkUrl, { username: "alice", password: "alice", redirectUri: "http://localhost:8081/linked" })
      .catch((error) => ({ linked: false, status: error.message, pages: 0 }));
    const linked = result.linked;
    const linkedAt = Date.now();
    r.expect(linked, `alice linked her ArcGIS account in headless Chromium (${result.pages} pages; kc_action_status ${result.status})`);
    if (!linked) return r.save();
    const alice = (await usersNamed("node2", "alice"))[0];
    const arcgisLink = alice ? (await links("node2", alice.id)).find((l) => l.identityProvider === "arcgis") : null;
    r.expect(arcgisLink?.userName === "alice_example", `node2 sees the link made through node1: arcgis member ${arcgisLink?.userName}`);

    const idp = (await admin("node1", "/arcgis/identity-provider/instances/arcgis")).body;
    const margin = Number(idp.config.refreshMarginSeconds ?? 120);
    const base = await emulator();
    const first = await arcgisExchange("node2");
    const firstOther = await arcgisExchange("node1");
    const afterFirst = await emulator();
    r.expect(first.status === 200 && first.body.userId === "alice_example" && firstOther.body.access_token === first.body.access_token
      && afterFirst.refresh_token === base.refresh_token,
      `the token from linking is served by both nodes from the vault (node2 ${first.status}, node1 ${firstOther.status}, same token: ${firstOther.body.access_token === first.body.access_token}, refresh_token calls: ${afterFirst.refresh_token - base.refresh_token})`);
    const query = await request(`${PORTAL}/rest/services/Parcels/FeatureServer/0/query?f=json&where=1%3D1&token=${encodeURIComponent(first.body.access_token ?? "")}`);
    r.expect(Array.isArray(query.body.features) && query.body.features.length > 0, `the token reads the secured layer (${query.body.features?.length ?? 0} features)`);

    let expires = first.body.expires;
    let previous = first.body.access_token;
    const perNode = 8;
    async function round(label, expect) {
      // Wait until the cached token has less than the refresh margin left, then fire at both nodes at once.
      const wait = expires - margin * 1000 + 1500 - Date.now();
      if (wait > 0) await sleep(wait);
      const s0 = await emulator();
      const replies = await Promise.all([...Array(perNode)].flatMap(() => ["node1", "node2"]).map((node) => arcgisExchange(node).then((x) => ({ ...x, node }))));
      const s1 = await emulator();
      const tokensSeen = new Set(replies.map((x) => x.body.access_token));
      const refreshes = s1.refresh_token - s0.refresh_token;
      const renewals = s1.exchange_refresh_token - s0.exchange_refresh_token;
      const lat = replies.map((x) => x.t1 - x.t0);
      const ok = replies.every((x) => x.status === 200) && tokensSeen.size === 1 && !tokensSeen.has(previous)
        && refreshes === (expect.refreshes ?? 1) && renewals === expect.renewals;
      r.expect(ok, `${label}: ${replies.length} concurrent exchanges (${perNode} per node) for a token needing a refresh: node1 ${tally(replies.filter((x) => x.node === "node1"))}, node2 ${tally(replies.filter((x) => x.node === "node2"))}; distinct tokens ${tokensSeen.size} (new: ${!tokensSeen.has(previous)}); ArcGIS refresh_token calls ${refreshes}, exchange_refresh_token ${renewals} (expected ${expect.refreshes ?? 1} and ${expect.renewals}); max latency ${ms(Math.max(...lat))}`);
      const good = replies.find((x) => x.status === 200);
      if (good) { expires = good.body.expires; previous = good.body.access_token; }
    }
    for (let i = 1; i <= 3; i++) await round(`expiry ${i}`, { renewals: 0 });

    // Renewal: the emulated organisation grants links (refresh tokens) of LINK_MINUTES; once more than half has passed,
    // the next refresh is an exchange_refresh_token, which brings the new access token too and ends the old refresh
    // token (single use). One renewal, one call, across both nodes.
    const halfLink = linkedAt + LINK_MINUTES * 30_000 + 2000 - Date.now();
    if (halfLink > 0) await sleep(halfLink);
    await round("expiry 4 with renewal", { refreshes: 0, renewals: 1 });
    await round("expiry 5 (the renewed refresh token, stored once, is the one both nodes use)", { renewals: 0 });

    const end = await emulator();
    r.info(`ArcGIS calls during the check: refresh_token ${end.refresh_token - base.refresh_token}, exchange_refresh_token ${end.exchange_refresh_token - base.exchange_refresh_token}, authorization_code (linking) ${base.authorization_code}`);
    return r.save();
  },

  async summary() {
    let ok = true;
    for (const check of ORDER) {
      const file = `${RESULTS}/${check}.json`;
      if (!fs.existsSync(file)) { console.log(`FAIL ${check}: no result (the phase did not finish)`); ok = false; continue; }
      const result = JSON.parse(fs.readFileSync(file, "utf8"));
      console.log(`[${check}] ${result.ok ? "passed" : "FAILED"}`);
      for (const line of result.lines) console.log(`  ${line}`);
      ok &&= result.ok;
    }
    console.log(ok ? "ALL CLUSTER CHECKS PASSED" : "SOME CLUSTER CHECKS FAILED");
    return ok;
  },
};

if (!phases[phase]) {
  console.error(`unknown phase ${phase}; one of ${Object.keys(phases).join(", ")}`);
  process.exit(2);
}
try {
  const ok = await phases[phase]();
  process.exit(ok ? 0 : 1);
} catch (error) {
  console.error(`phase ${phase} failed: ${error.message}`);
  if (phase !== "summary" && phase !== "realm") {
    const report = current ?? new Report(phase);
    report.fail(`the phase stopped: ${error.message}`);
    report.save();
  }
  process.exit(1);
}
