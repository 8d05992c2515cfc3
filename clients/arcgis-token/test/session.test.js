import { test } from "node:test";
import assert from "node:assert/strict";

import { ArcGisTokenError, connectArcGisToken } from "../src/index.js";
import { FakeClock, FakeIdentityManager, fakeBackend, settle, tokenAnswer } from "./fakes.js";

const PORTAL = "https://gis.example.org/portal/sharing/rest";
const SERVICE = "https://services.example.org/abc/arcgis/rest/services/Parcels/FeatureServer";
const LAYER = `${SERVICE}/0`;
const SERVER = "https://gis.example.org/server";
const FEDERATED_LAYER = `${SERVER}/rest/services/Parcels/FeatureServer/0`;
const LINK = "https://kc.example.org/realms/arcgis/protocol/openid-connect/auth?kc_action=idp_link%3Aarcgis&redirect_uri=x";

/** A backend that hands out token-1, token-2, … (a new one per exchange) unless `answer` says otherwise. */
function backend(clock, answer = () => null, expiresIn = 1800) {
  let issued = 0;
  return fakeBackend((request, n) => answer(request, n) ?? tokenAnswer(`token-${++issued}`, { expiresIn, now: clock.now() }));
}

function connect(clock, im, b, extra = {}) {
  return connectArcGisToken({ tokenUrl: "/api/arcgis-token", identityManager: im, fetch: b.fetch, clock, services: [SERVICE],
    ServerInfo: class { constructor(p) { Object.assign(this, p); } }, onLinkRequired: () => {}, ...extra });
}

const refusedReports = (b) => b.requests.filter((r) => r.method === "POST").map((r) => r.body.refused_token);

test("connect registers the token for the portal and the services it covers", async () => {
  const clock = new FakeClock();
  const im = new FakeIdentityManager();
  const events = [];
  const b = backend(clock);
  const session = await connect(clock, im, b, { onToken: (e) => events.push(e) });
  assert.equal(session.state, "active");
  assert.deepEqual(im.credentials.map((c) => [c.resource, c.token]), [[PORTAL.toLowerCase(), "token-1"], [SERVICE.toLowerCase(), "token-1"]]);
  assert.equal(im.credentials[0].expires, clock.now() + 1800_000);
  assert.equal(im.credentials[0].userId, "alice_example");
  assert.deepEqual(events.map((e) => e.reason), ["initial"]);
  assert.equal(b.requests.length, 1);
  assert.equal(b.requests[0].method, "GET");
  assert.equal(session.token.userId, "alice_example");
  assert.equal("token" in session.token, false, "the token itself is not handed out again");
  session.destroy();
});

test("renewal: a new exchange renewBeforeMs ahead of expiry, re-registering the same credentials; none before", async () => {
  const clock = new FakeClock();
  const im = new FakeIdentityManager();
  const b = backend(clock);
  const session = await connect(clock, im, b, { renewBeforeMs: 60_000 });
  const portalCredential = im.credentials[0];
  await clock.advance(1740_000 - 1);
  assert.equal(b.requests.length, 1, "no exchange before expiry - 60 s");
  await clock.advance(1);
  assert.equal(b.requests.length, 2, "the renewal exchange");
  assert.equal(im.credentials.length, 2, "the same servers, re-registered");
  assert.equal(portalCredential.token, "token-2", "registerToken for the same server updated its credential");
  assert.equal(im.credentials[1].token, "token-2");
  assert.equal(session.stats.renewals, 1);
  // and again, timed from the new token's receipt
  await clock.advance(1740_000);
  assert.equal(b.requests.length, 3);
  assert.equal(portalCredential.token, "token-3");
  session.destroy();
});

test("renewal of a short-lived token happens at half its lifetime, and a failed renewal is retried", async () => {
  const clock = new FakeClock();
  const im = new FakeIdentityManager();
  const errors = [];
  const b = backend(clock, (request, n) => (n === 2 ? { status: 502, body: { error: "upstream_error" } } : null), 30);
  const session = await connect(clock, im, b, { onError: (e) => errors.push(e) });
  await clock.advance(14_999);
  assert.equal(b.requests.length, 1);
  await clock.advance(1);
  assert.equal(b.requests.length, 2, "renewal at 15 s of a 30 s token");
  assert.equal(errors[0]?.code, "exchange_failed");
  assert.equal(im.credentials[0].token, "token-1", "the old token stays registered");
  await clock.advance(10_000);
  assert.equal(b.requests.length, 3, "retried 10 s later");
  assert.equal(im.credentials[0].token, "token-2");
  session.destroy();
});

test("a 498 on a covered resource: exactly one fresh exchange reporting the refused token, the request retried once", async () => {
  const clock = new FakeClock();
  const im = new FakeIdentityManager();
  const b = backend(clock);
  const session = await connect(clock, im, b);
  im.arcgis = (url, token) => (token === "token-1" ? 498 : "ok"); // ArcGIS invalidated token-1 early
  const result = await im.request(`${LAYER}/query`);
  assert.deepEqual(result, { ok: true, attempts: 2, token: "token-2" });
  assert.deepEqual(refusedReports(b), ["token-1"]);
  assert.equal(im.dialogs, 0, "no sign-in dialog");
  assert.equal(im.credentials.find((c) => c.resource === PORTAL.toLowerCase()).token, "token-2", "the portal's credential too");
  assert.equal(session.stats.recovered, 1);
  // another request still holding token-1 (in flight meanwhile) retries with token-2, with no further exchange
  const stale = await im.getCredential(`${LAYER}/query`, { error: { details: { httpStatus: 498 } }, token: "token-1" });
  assert.equal(stale.token, "token-2");
  assert.equal(refusedReports(b).length, 1);
  session.destroy();
});

test("concurrent 498s for one token share a single exchange", async () => {
  const clock = new FakeClock();
  const im = new FakeIdentityManager();
  const b = backend(clock);
  const session = await connect(clock, im, b);
  im.arcgis = (url, token) => (token === "token-1" ? 498 : "ok");
  const results = await Promise.all([im.request(`${LAYER}/query`), im.request(`${LAYER}/query`), im.request(`${PORTAL}/portals/self`)]);
  assert.deepEqual(results.map((r) => r.token), ["token-2", "token-2", "token-2"]);
  assert.deepEqual(refusedReports(b), ["token-1"]);
  assert.equal(im.dialogs, 0);
  session.destroy();
});

test("no loop: when the replacement is refused too, the error surfaces after one exchange, with no dialog", async () => {
  const clock = new FakeClock();
  const im = new FakeIdentityManager();
  const errors = [];
  const b = backend(clock);
  const session = await connect(clock, im, b, { onError: (e) => errors.push(e) });
  let calls = 0;
  im.arcgis = () => { calls += 1; return 498; }; // ArcGIS refuses every token
  await assert.rejects(im.request(`${LAYER}/query`), (e) => e instanceof ArcGisTokenError && e.code === "refused_again");
  assert.equal(calls, 2, "the request and its one retry");
  assert.deepEqual(refusedReports(b), ["token-1"], "one exchange with refused_token");
  assert.equal(im.dialogs, 0);
  assert.equal(errors.map((e) => e.code).join(), "refused_again");
  // a later request on the same token fails the same way, still without an exchange
  await assert.rejects(im.request(`${LAYER}/query`), (e) => e.code === "refused_again");
  assert.equal(refusedReports(b).length, 1);
  // a renewal brings a token that may be reported once again
  await session.renew();
  im.arcgis = (url, token) => (token === "token-3" ? 498 : "ok");
  assert.equal((await im.request(`${LAYER}/query`)).token, "token-4");
  assert.deepEqual(refusedReports(b), ["token-1", "token-3"]);
  session.destroy();
});

test("a 498 on a URL the session does not cover goes to the SDK unchanged", async () => {
  const clock = new FakeClock();
  const im = new FakeIdentityManager();
  const b = backend(clock);
  const session = await connect(clock, im, b);
  im.registerToken({ server: "https://other.example.com/arcgis/rest/services", token: "other" });
  im.arcgis = (url, token) => (token === "other" ? 498 : "ok");
  await assert.rejects(im.request("https://other.example.com/arcgis/rest/services/X/MapServer"), /sign-in dialog/);
  assert.equal(im.dialogs, 1);
  assert.equal(refusedReports(b).length, 0);
  session.destroy();
});

test("link required at connect: the callback gets the account-link-url, connect rejects with link_required", async () => {
  const clock = new FakeClock();
  const im = new FakeIdentityManager();
  const links = [];
  const b = backend(clock, () => ({ status: 400, body: { error: "not_linked", error_description: "…", "account-link-url": LINK } }));
  await assert.rejects(connect(clock, im, b, { linkRequired: "callback", onLinkRequired: (url) => links.push(url) }),
    (e) => e instanceof ArcGisTokenError && e.code === "link_required" && e.linkUrl === LINK);
  assert.deepEqual(links, [LINK]);
  assert.equal(im.credentials.length, 0);
  assert.equal(clock.pending, 0, "no timer left");
});

test("link required, redirect: the page goes to the account-link-url", async () => {
  const clock = new FakeClock();
  const im = new FakeIdentityManager();
  const assigned = [];
  const saved = globalThis.location;
  globalThis.location = { assign: (url) => assigned.push(url) };
  try {
    const b = backend(clock, () => ({ status: 400, body: { error: "not_linked", "account-link-url": LINK } }));
    await assert.rejects(connect(clock, im, b, { linkRequired: "redirect", onLinkRequired: undefined }), (e) => e.code === "link_required");
    assert.deepEqual(assigned, [LINK]);
  } finally {
    globalThis.location = saved;
  }
});

test("link required after a 498 (ArcGIS refused the authorization too): the app is told once, the request fails, no dialog", async () => {
  const clock = new FakeClock();
  const im = new FakeIdentityManager();
  const links = [];
  const b = backend(clock, (request) => (request.method === "POST"
    ? { status: 400, body: { error: "not_linked", "account-link-url": LINK } } : null));
  const session = await connect(clock, im, b, { onLinkRequired: (url) => links.push(url) });
  im.arcgis = () => 498;
  await assert.rejects(im.request(`${LAYER}/query`), (e) => e.code === "link_required");
  await assert.rejects(im.request(`${PORTAL}/portals/self`), (e) => e.code === "link_required");
  assert.deepEqual(links, [LINK], "told once");
  assert.deepEqual(refusedReports(b), ["token-1"]);
  assert.equal(session.state, "link-required");
  assert.equal(im.dialogs, 0);
  assert.equal(clock.pending, 0, "no renewal while a link is required");
  session.destroy();
});

test("503 with Retry-After: the exchange waits as asked, then succeeds; past maxAttempts it reports temporarily_unavailable", async () => {
  const clock = new FakeClock();
  const im = new FakeIdentityManager();
  const b = backend(clock, (request, n) => (n === 1
    ? { status: 503, body: { error: "temporarily_unavailable" }, headers: { "Retry-After": "7" } } : null));
  const connecting = connect(clock, im, b);
  await clock.advance(6_999);
  assert.equal(b.requests.length, 1, "waits the 7 s Retry-After asks for");
  await clock.advance(1);
  const session = await connecting;
  assert.equal(b.requests.length, 2);
  assert.equal(im.credentials[0].token, "token-1");
  session.destroy();

  const busy = backend(clock, () => ({ status: 503, body: { error: "temporarily_unavailable" }, headers: { "Retry-After": "2" } }));
  const failing = connect(clock, new FakeIdentityManager(), busy, { maxAttempts: 3 });
  const outcome = assert.rejects(failing, (e) => e.code === "temporarily_unavailable" && e.retryAfterMs === 2000);
  await clock.advance(4_000);
  await outcome;
  assert.equal(busy.requests.length, 3);
});

test("sign-out: destroy() destroys the credentials, stops renewal and pending exchanges, and unhooks from 498s", async () => {
  const clock = new FakeClock();
  const im = new FakeIdentityManager();
  const b = backend(clock);
  const session = await connect(clock, im, b);
  im.registerToken({ server: "https://other.example.com/arcgis/rest/services", token: "other" });
  session.destroy();
  assert.equal(session.state, "destroyed");
  assert.deepEqual(im.credentials.map((c) => c.token), ["other"], "only the session's credentials are destroyed");
  assert.equal(clock.pending, 0);
  await clock.advance(3600_000);
  assert.equal(b.requests.length, 1, "no renewal after sign-out");
  assert.equal(Object.prototype.hasOwnProperty.call(im, "getCredential"), false, "getCredential is the SDK's again");
  await assert.rejects(session.renew(), (e) => e.code === "destroyed");
  session.destroy(); // twice is harmless
});

test("sign-out while an exchange waits for Retry-After ends it", async () => {
  const clock = new FakeClock();
  const im = new FakeIdentityManager();
  const b = backend(clock, (request, n) => (n >= 2 ? { status: 503, body: {}, headers: { "Retry-After": "30" } } : null));
  const session = await connect(clock, im, b);
  const renewal = session.renew();
  await settle();
  session.destroy();
  await assert.rejects(renewal, (e) => e.code === "destroyed");
  await clock.advance(60_000);
  assert.equal(b.requests.length, 2);
});

test("ArcGIS Enterprise: the federated server is declared, the SDK trades the portal token; a 498 there costs one exchange", async () => {
  const clock = new FakeClock();
  const im = new FakeIdentityManager();
  const b = backend(clock);
  const session = await connect(clock, im, b, { services: [], federatedServers: [SERVER] });
  assert.deepEqual(im.serverInfos.map((i) => [i.server, i.tokenServiceUrl, i.owningSystemUrl ?? null]), [
    ["https://gis.example.org/portal", `${PORTAL}/generateToken`, null],
    [SERVER, `${PORTAL}/generateToken`, "https://gis.example.org/portal"],
  ]);
  assert.deepEqual(im.credentials.map((c) => c.token), ["token-1"], "only the portal token is registered");
  assert.equal((await im.request(FEDERATED_LAYER)).token, "server:token-1");
  assert.equal(im.generateTokenCalls, 1);

  // The portal token is revoked at ArcGIS: the server token derived from it is refused.
  im.arcgis = (url, token) => (token === "server:token-1" ? 498 : "ok");
  const result = await im.request(`${FEDERATED_LAYER}/query`);
  assert.equal(result.token, "server:token-2");
  assert.deepEqual(refusedReports(b), ["token-1"], "the portal token is reported");
  assert.equal(im.generateTokenCalls, 2, "one generateToken for the new server token");
  assert.equal(im.dialogs, 0);

  // Renewal re-registers the portal token; the SDK refreshes the derived server token.
  await session.renew();
  assert.equal(im.credentials.find((c) => c.scope === "server").token, "server:token-3");

  // Refused again right after a refusal exchange: surfaced, no loop, no generateToken storm.
  im.arcgis = () => 498;
  await assert.rejects(im.request(`${FEDERATED_LAYER}/query`));
  await assert.rejects(im.request(`${FEDERATED_LAYER}/query`));
  assert.ok(im.generateTokenCalls <= 5, `generateToken calls ${im.generateTokenCalls}`);
  assert.equal(refusedReports(b).length, 2);
  assert.equal(im.dialogs, 0);
  session.destroy();
  assert.equal(im.credentials.length, 0, "server credentials destroyed with the portal's");
});

test("options are checked", async () => {
  await assert.rejects(connectArcGisToken({}), TypeError);
  await assert.rejects(connectArcGisToken({ tokenUrl: "/t", linkRequired: "popup" }), TypeError);
  await assert.rejects(connectArcGisToken({ tokenUrl: "/t", linkRequired: "callback" }), TypeError);
});
