// Test doubles: a clock whose timers run only when the test advances it, an IdentityManager that behaves like
// @arcgis/core's where the session relies on it (registerToken updates the credential of a known server; a 498 given
// to getCredential destroys the credential and opens the sign-in dialog), a request loop like @arcgis/core's
// (request/process.js: on 498/499 it asks getCredential and retries with what it gets), and a scripted backend.

/** Lets pending promise chains and I/O-free callbacks settle. */
export async function settle(rounds = 20) {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setImmediate(resolve));
}

export class FakeClock {
  t = Date.UTC(2026, 0, 1);
  #timers = new Map();
  #next = 1;
  now = () => this.t;
  setTimeout = (fn, ms) => {
    const id = this.#next++;
    this.#timers.set(id, { at: this.t + Math.max(0, ms), fn });
    return id;
  };
  clearTimeout = (id) => { this.#timers.delete(id); };
  get pending() { return this.#timers.size; }
  /** Moves time forward by ms, running every timer that falls due on the way, in order. */
  async advance(ms) {
    const end = this.t + ms;
    for (;;) {
      await settle();
      const due = [...this.#timers].filter(([, timer]) => timer.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#timers.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
    }
    this.t = end;
    await settle();
  }
}

const root = (url) => url.replace(/\/(sharing|rest)(\/.*)?$/i, "").replace(/\/+$/, "").toLowerCase();

export class FakeIdentityManager {
  credentials = [];
  serverInfos = [];
  dialogs = 0;
  generateTokenCalls = 0;
  /** What ArcGIS does with a token on a URL: "ok" or 498. The default accepts everything. */
  arcgis = () => "ok";

  registerServers(infos) { this.serverInfos.push(...infos); }
  findServerInfo(url) { return this.serverInfos.find((info) => root(info.server) === root(url)); }

  registerToken({ server, ...properties }) {
    const existing = this.credentials.find((c) => c.resource === server.toLowerCase());
    if (existing) {
      Object.assign(existing, properties);
      this.#refreshServerTokens(existing);
      return;
    }
    this.#add({ server: root(server), resource: server.toLowerCase(), scope: /\/rest\/services/i.test(server) ? "server" : "portal", ...properties });
  }

  #add(properties) {
    const im = this;
    const credential = {
      ...properties,
      destroy() {
        this.token = null;
        this.server = null;
        const i = im.credentials.indexOf(this);
        if (i >= 0) im.credentials.splice(i, 1);
      },
    };
    this.credentials.push(credential);
    return credential;
  }

  /** As the SDK's: derived server tokens of federated servers are traded again for the updated portal token. */
  #refreshServerTokens(portal) {
    for (const credential of this.credentials) {
      if (credential.derivedFrom === portal) {
        this.generateTokenCalls += 1;
        credential.token = `server:${portal.token}`;
      }
    }
  }

  findCredential(url) {
    const u = url.toLowerCase();
    return this.credentials.find((c) => c.resource && (u === c.resource || u.startsWith(`${c.resource}/`)))
      ?? this.credentials.find((c) => c.server && root(url) === c.server && c.scope === "portal" && /\/sharing/i.test(url));
  }

  /** The SDK's getCredential, where it matters here. */
  async getCredential(url, options = {}) {
    const known = options.token || options.credential ? this.findCredential(url) ?? options.credential : null;
    if (known && options.error?.details?.httpStatus === 498) {
      known.destroy?.();
      this.dialogs += 1; // IdentityManager would now open its sign-in dialog (or OAuth popup)
      throw new Error("sign-in dialog opened");
    }
    const found = this.findCredential(url);
    if (found) return found;
    // A federated server: trade the portal token at the portal's generateToken, if the server is declared.
    const info = this.findServerInfo(url);
    if (info?.owningSystemUrl) {
      const portal = this.credentials.find((c) => c.scope === "portal" && c.server === root(info.owningSystemUrl));
      if (portal) {
        this.generateTokenCalls += 1;
        return this.#add({ server: root(info.server), resource: info.server.toLowerCase(), scope: "server", derivedFrom: portal,
          token: `server:${portal.token}`, userId: portal.userId });
      }
    }
    if (options.prompt === false) throw new Error("not signed in");
    this.dialogs += 1;
    throw new Error("sign-in dialog opened");
  }

  /** A request the SDK makes: the credential's token, and on 498 getCredential and a retry (at most 10: a loop fails the test). */
  async request(url) {
    let credential = this.findCredential(url) ?? (await this.getCredential(url, { prompt: false }).catch(() => null));
    for (let attempt = 1; attempt <= 10; attempt++) {
      const token = credential?.token;
      const answer = this.arcgis(url, token);
      if (answer === "ok") return { ok: true, attempts: attempt, token };
      credential = await this.getCredential(url, { error: { details: { httpStatus: answer } }, token, credential });
    }
    throw new Error(`request loop on ${url}`);
  }
}

/** A scripted backend endpoint: `answer(request)` returns {status, body, headers}; every request is recorded. */
export function fakeBackend(answer) {
  const requests = [];
  const fetch = async (url, init = {}) => {
    const request = { url, method: init.method ?? "GET", body: init.body ? JSON.parse(init.body) : null, headers: init.headers };
    requests.push(request);
    if (init.signal?.aborted) throw Object.assign(new Error("aborted"), { name: "AbortError" });
    const { status = 200, body = {}, headers = {} } = await answer(request, requests.length);
    return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
  };
  return { fetch, requests };
}

/** An exchange answer like Keycloak's for requested_issuer=arcgis. */
export function tokenAnswer(token, { expiresIn = 1800, now = Date.now(), server = "https://gis.example.org/portal/sharing/rest" } = {}) {
  return { status: 200, body: { access_token: token, issued_token_type: "urn:ietf:params:oauth:token-type:access_token",
    token_type: "Bearer", expires_in: expiresIn, server, expires: now + expiresIn * 1000, ssl: true, userId: "alice_example",
    arcgis_token_kind: "user" } };
}
