// The example app's backend ("map-app"): signs the user in with IdentityServer4 (authorization code + PKCE, as the
// public client map-spa), keeps the user's IdentityServer4 access token server-side, and exchanges it at Keycloak
// (RFC 8693, requested_issuer=arcgis) for the user's ArcGIS token whenever the page asks. Serves the built page and
// the ArcGIS Maps SDK's assets locally (no CDN).
import http from "node:http";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

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
};
const self = `http://localhost:${config.port}`;
const sessions = new Map();
const types = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".json": "application/json",
  ".wasm": "application/wasm", ".png": "image/png", ".svg": "image/svg+xml", ".woff2": "font/woff2", ".pbf": "application/x-protobuf" };

const base64url = (buffer) => buffer.toString("base64url");
const sessionOf = (req) => sessions.get(/(?:^|; )map_session=([^;]+)/.exec(req.headers.cookie ?? "")?.[1]);

function send(res, status, body, headers = {}) {
  res.writeHead(status, { "Cache-Control": "no-store", ...headers });
  res.end(body);
}

function json(res, status, value) {
  send(res, status, JSON.stringify(value), { "Content-Type": "application/json" });
}

function serveFile(res, root, relative) {
  const file = path.normalize(path.join(root, relative));
  if (!file.startsWith(root) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) {
    return send(res, 404, "not found");
  }
  res.writeHead(200, { "Content-Type": types[path.extname(file)] ?? "application/octet-stream" });
  fs.createReadStream(file).pipe(res);
}

function login(res) {
  const id = base64url(crypto.randomBytes(24));
  const verifier = base64url(crypto.randomBytes(48));
  const state = base64url(crypto.randomBytes(16));
  sessions.set(id, { verifier, state });
  const challenge = base64url(crypto.createHash("sha256").update(verifier).digest());
  const query = new URLSearchParams({ client_id: "map-spa", response_type: "code", scope: "openid profile email arcgis.read",
    redirect_uri: `${self}/callback`, state, nonce: base64url(crypto.randomBytes(16)), code_challenge: challenge,
    code_challenge_method: "S256" });
  send(res, 302, "", { Location: `${config.issuer}/connect/authorize?${query}`,
    "Set-Cookie": `map_session=${id}; Path=/; HttpOnly; SameSite=Lax` });
}

async function callback(req, res, url) {
  const session = sessionOf(req);
  if (!session || url.searchParams.get("state") !== session.state) {
    return send(res, 400, "invalid state");
  }
  const response = await fetch(`${config.issuer}/connect/token`, { method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "authorization_code", client_id: "map-spa", code: url.searchParams.get("code") ?? "",
      redirect_uri: `${self}/callback`, code_verifier: session.verifier }) });
  const tokens = await response.json();
  if (!response.ok) {
    return send(res, 400, "sign-in failed");
  }
  session.is4AccessToken = tokens.access_token;
  send(res, 302, "", { Location: "/" });
}

// The exchange: the user's IdentityServer4 token in, the user's ArcGIS token (and registerToken's fields) out.
async function arcgisToken(req, res) {
  const session = sessionOf(req);
  if (!session?.is4AccessToken) {
    return json(res, 401, { error: "login_required" });
  }
  const response = await fetch(`${config.realm}/protocol/openid-connect/token`, { method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded",
      Authorization: "Basic " + Buffer.from(`map-app:${config.clientSecret}`).toString("base64") },
    body: new URLSearchParams({ grant_type: "urn:ietf:params:oauth:grant-type:token-exchange",
      subject_token: session.is4AccessToken, subject_token_type: "urn:ietf:params:oauth:token-type:access_token",
      subject_issuer: "identityserver4", requested_issuer: "arcgis" }) });
  const body = await response.json();
  if (body["account-link-url"]) {
    body["account-link-url"] += "&redirect_uri=" + encodeURIComponent(`${self}/`);
  }
  json(res, response.status, body);
}

http.createServer(async (req, res) => {
  const url = new URL(req.url, self);
  try {
    if (url.pathname === "/login") return login(res);
    if (url.pathname === "/callback") return await callback(req, res, url);
    if (url.pathname === "/api/arcgis-token") return await arcgisToken(req, res);
    if (url.pathname === "/api/config") {
      const layerUrl = config.layerUrl ?? `${config.portal}/rest/services/Parcels/FeatureServer/0`;
      return json(res, 200, { portal: config.portal, layerUrl });
    }
    if (url.pathname.startsWith("/arcgis-assets/")) {
      return serveFile(res, path.join(here, "node_modules/@arcgis/core/assets"), url.pathname.slice("/arcgis-assets/".length));
    }
    if (url.pathname === "/" && !sessionOf(req)?.is4AccessToken) return login(res);
    return serveFile(res, path.join(here, "dist"), url.pathname === "/" ? "index.html" : url.pathname);
  } catch (error) {
    json(res, 502, { error: "upstream_error", error_description: String(error.message ?? error) });
  }
}).listen(config.port, "127.0.0.1", () => console.log(`map app at ${self}`));
