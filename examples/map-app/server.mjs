// The example app's backend ("map-app"): signs the user in with IdentityServer4 (authorization code + PKCE, as the
// public client map-spa), keeps the user's IdentityServer4 access token server-side (never sent to the page), and
// exchanges it at Keycloak (RFC 8693, requested_issuer=arcgis) for the user's ArcGIS token whenever the page asks:
//   GET  /api/arcgis-token                                   the user's ArcGIS token (or Keycloak's refusal, as sent)
//   POST /api/arcgis-token  {"refused_token": "<token>"}     the same, reporting a token ArcGIS answered 498 for
// Both OAuth clients are openid-client's (https://github.com/panva/openid-client): discovery, the code flow with PKCE,
// state and nonce checks, and the token exchange through its generic grant request. Serves the built page and the
// ArcGIS Maps SDK's assets locally (no CDN).
import http from "node:http";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as oidc from "openid-client";

const here = path.dirname(fileURLToPath(import.meta.url));
// Settings from the environment; for a local run, what the environment lacks from ../../.local/stack.env, which the
// local stack (./run-local.sh) writes with the secret Keycloak generated for map-app. The app holds no secret.
const stackEnvFile = process.env.STACK_ENV ?? path.join(here, "../../.local/stack.env");
const settings = {
  ...(fs.existsSync(stackEnvFile) ? Object.fromEntries(fs.readFileSync(stackEnvFile, "utf8").split("\n")
    .map((line) => /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim())).filter(Boolean).map((m) => [m[1], m[2]])) : {}),
  ...Object.fromEntries(Object.entries(process.env).filter(([, value]) => value)),
};
if (!settings.MAP_APP_SECRET) {
  console.error(`MAP_APP_SECRET (the secret of Keycloak's client map-app) is not set and not in ${stackEnvFile}:`
    + " start the local stack first (./run-local.sh --map-app).");
  process.exit(2);
}
const config = {
  port: Number(settings.PORT ?? 8081),
  issuer: settings.IS4_ISSUER ?? "http://localhost:5000",
  realm: settings.KEYCLOAK_REALM_URL ?? "http://localhost:8080/realms/arcgis",
  clientSecret: settings.MAP_APP_SECRET,
  portal: settings.ARCGIS_PORTAL ?? "http://localhost:8090",
  layerUrl: settings.ARCGIS_LAYER_URL,
  enterprise: settings.STACK_DEPLOYMENT === "enterprise",
};
const self = `http://localhost:${config.port}`;
const TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token";
const sessions = new Map();
const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".json": "application/json",
  ".wasm": "application/wasm", ".png": "image/png", ".svg": "image/svg+xml", ".woff2": "font/woff2", ".pbf": "application/x-protobuf" };

// The two OAuth clients, from each server's discovery document (fetched once, on first use). The local stack serves
// plain http on loopback; anywhere else openid-client's https requirement stays on.
const loopbackHttp = (url) => /^http:\/\/(localhost|127\.0\.0\.1)(:|\/|$)/.test(url);
const discover = (url, clientId, auth) => oidc.discovery(new URL(url), clientId, undefined, auth,
  loopbackHttp(url) ? { execute: [oidc.allowInsecureRequests] } : undefined);
let identityServer4; // the user's sign-in: public client map-spa (PKCE, no secret)
let keycloak; // the token exchange: confidential client map-app (HTTP Basic)
const signIn = () => (identityServer4 ??= discover(config.issuer, "map-spa", oidc.None()).catch((e) => { identityServer4 = null; throw e; }));
const exchanger = () => (keycloak ??= discover(config.realm, "map-app", oidc.ClientSecretBasic(config.clientSecret))
  .catch((e) => { keycloak = null; throw e; }));

const sessionId = (req) => /(?:^|; )map_session=([^;]+)/.exec(req.headers.cookie ?? "")?.[1];
const sessionOf = (req) => sessions.get(sessionId(req));

function send(res, status, body, headers = {}) {
  res.writeHead(status, { "Cache-Control": "no-store", ...headers });
  res.end(body);
}

function json(res, status, value, headers = {}) {
  send(res, status, JSON.stringify(value), { "Content-Type": "application/json", ...headers });
}

function serveFile(res, root, relative) {
  const file = path.normalize(path.join(root, relative));
  if (!file.startsWith(root) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
    return send(res, 404, "not found");
  }
  res.writeHead(200, { "Content-Type": types[path.extname(file)] ?? "application/octet-stream" });
  fs.createReadStream(file).pipe(res);
}

async function login(res) {
  const id = crypto.randomBytes(24).toString("base64url");
  const pending = { verifier: oidc.randomPKCECodeVerifier(), state: oidc.randomState(), nonce: oidc.randomNonce() };
  sessions.set(id, pending);
  const url = oidc.buildAuthorizationUrl(await signIn(), { redirect_uri: `${self}/callback`,
    scope: "openid profile email arcgis.read", state: pending.state, nonce: pending.nonce,
    code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier), code_challenge_method: "S256" });
  send(res, 302, "", { Location: url.href, "Set-Cookie": `map_session=${id}; Path=/; HttpOnly; SameSite=Lax` });
}

async function callback(req, res, url) {
  const session = sessionOf(req);
  if (!session?.verifier) {
    return send(res, 400, "no sign-in under way");
  }
  let tokens;
  try {
    tokens = await oidc.authorizationCodeGrant(await signIn(), url, { pkceCodeVerifier: session.verifier,
      expectedState: session.state, expectedNonce: session.nonce, idTokenExpected: true });
  } catch (error) {
    console.error(`sign-in failed: ${error.code ?? ""} ${error.error ?? error.message}`);
    return send(res, 400, "sign-in failed");
  }
  sessions.set(sessionId(req), { is4AccessToken: tokens.access_token });
  send(res, 302, "", { Location: "/" });
}

function logout(req, res) {
  sessions.delete(sessionId(req));
  send(res, 302, "", { Location: "/", "Set-Cookie": "map_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0" });
}

async function readRefusedToken(req) {
  if (!/^application\/json\b/i.test(req.headers["content-type"] ?? "")) return { error: 415 };
  let text = "";
  for await (const chunk of req) {
    text += chunk;
    if (text.length > 16384) return { error: 413 };
  }
  try {
    const refused = JSON.parse(text)?.refused_token;
    return typeof refused === "string" && refused.length > 0 && refused.length <= 8192 ? { refused } : { error: 400 };
  } catch {
    return { error: 400 };
  }
}

// The exchange: the user's IdentityServer4 token in, the user's ArcGIS token (and registerToken's fields) out.
async function arcgisToken(req, res) {
  const session = sessionOf(req);
  if (!session?.is4AccessToken) {
    return json(res, 401, { error: "login_required" });
  }
  const parameters = { subject_token: session.is4AccessToken, subject_token_type: ACCESS_TOKEN,
    subject_issuer: "identityserver4", requested_issuer: "arcgis" };
  if (req.method === "POST") {
    const report = await readRefusedToken(req);
    if (report.error) return json(res, report.error, { error: "invalid_request", error_description: "expected {\"refused_token\": …} as JSON" });
    parameters.refused_token = report.refused;
  } else if (req.method !== "GET") {
    return json(res, 405, { error: "invalid_request" }, { Allow: "GET, POST" });
  }
  try {
    const answer = await oidc.genericGrantRequest(await exchanger(), TOKEN_EXCHANGE, parameters);
    const { access_token, issued_token_type, expires_in, server, expires, ssl, userId, arcgis_token_kind } = answer;
    json(res, 200, { access_token, issued_token_type, token_type: "Bearer", expires_in, server, expires, ssl, userId, arcgis_token_kind });
  } catch (error) {
    if (!(error instanceof oidc.ResponseBodyError)) throw error;
    // Keycloak's refusal, as Keycloak sent it: not_linked with the account-link-url (here ending at the app), 503 with
    // Retry-After, or another OAuth error.
    const body = { ...error.cause };
    if (typeof body["account-link-url"] === "string") {
      body["account-link-url"] += "&redirect_uri=" + encodeURIComponent(`${self}/`);
    }
    const retryAfter = error.response?.headers.get("retry-after");
    json(res, error.status, body, retryAfter ? { "Retry-After": retryAfter } : {});
  }
}

http.createServer(async (req, res) => {
  const url = new URL(req.url, self);
  try {
    if (url.pathname === "/login") return await login(res);
    if (url.pathname === "/callback") return await callback(req, res, url);
    if (url.pathname === "/logout") return logout(req, res);
    if (url.pathname === "/api/arcgis-token") return await arcgisToken(req, res);
    if (url.pathname === "/api/config") {
      const layerUrl = config.layerUrl ?? `${config.portal}/rest/services/Parcels/FeatureServer/0`;
      // ArcGIS Enterprise: the layer lives on a federated server, which the page declares (its root, before /rest/services).
      const federatedServer = config.enterprise ? layerUrl.replace(/\/rest\/services\/.*$/, "") : null;
      return json(res, 200, { portal: config.portal, layerUrl, federatedServer });
    }
    if (url.pathname.startsWith("/arcgis-assets/")) {
      return serveFile(res, path.join(here, "node_modules/@arcgis/core/assets"), url.pathname.slice("/arcgis-assets/".length));
    }
    if (url.pathname === "/" && !sessionOf(req)?.is4AccessToken) return await login(res);
    return serveFile(res, path.join(here, "dist"), url.pathname === "/" ? "index.html" : url.pathname);
  } catch (error) {
    json(res, 502, { error: "upstream_error", error_description: String(error.message ?? error) });
  }
}).listen(config.port, "127.0.0.1", () => console.log(`map app at ${self}`));
