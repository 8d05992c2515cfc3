// @arcgis-bridge/arcgis-token: connects an @arcgis/core app to its backend's token-exchange endpoint. One call fetches
// the user's ArcGIS token from the backend (which exchanges the user's sign-in token at Keycloak, RFC 8693), registers
// it with the IdentityManager for the portal and the services it covers, renews it ahead of expiry (the IdentityManager
// never renews a registered token), recovers from a 498 "Invalid token" with exactly one fresh exchange that reports
// the refused token (and never loops), tells the app when the user must link ArcGIS once, and cleans up on sign-out.
// No runtime dependency; @arcgis/core is a peer dependency, loaded only when the app does not hand its IdentityManager in.

const DEFAULT_RENEW_BEFORE_MS = 60_000;
const MIN_TIMER_MS = 1_000;
const DEFAULT_MAX_ATTEMPTS = 3;
const DEFAULT_RETRY_AFTER_MS = 5_000;
const MAX_RETRY_AFTER_MS = 60_000;
const RENEWAL_RETRY_MS = 10_000;
const HANDLED_REFUSALS_KEPT = 32;

/** Every failure the session reports: `code` says what happened, the rest is detail for the app. */
export class ArcGisTokenError extends Error {
  constructor(code, message, details = {}) {
    super(message);
    this.name = "ArcGisTokenError";
    this.code = code;
    Object.assign(this, details);
  }
}

const systemClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (id) => globalThis.clearTimeout(id),
};

const trimSlash = (url) => url.replace(/\/+$/, "");
const lower = (url) => trimSlash(String(url)).toLowerCase();
/** True when `url` is `root` or lies under it (a path boundary, case-insensitive, scheme included). */
const under = (url, root) => {
  const u = lower(url);
  const r = lower(root);
  return u === r || u.startsWith(`${r}/`) || u.startsWith(`${r}?`);
};

/** Retry-After (RFC 9110: seconds or an HTTP date) in milliseconds, bounded. */
function retryAfterMs(header, now) {
  if (!header) return DEFAULT_RETRY_AFTER_MS;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(header) - now;
  if (!Number.isFinite(ms)) return DEFAULT_RETRY_AFTER_MS;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

/**
 * Connects the app to its backend's exchange endpoint and registers the user's ArcGIS token. Resolves once the first
 * token is registered; rejects with an {@link ArcGisTokenError} (`code` `link_required` after the app was told, or
 * `login_required`, `temporarily_unavailable`, `exchange_failed`).
 */
export async function connectArcGisToken(options) {
  const session = new ArcGisTokenSession(options);
  await session.start();
  return session;
}

export class ArcGisTokenSession {
  #options;
  #fetch;
  #clock;
  #im = null;
  #ServerInfo = null;
  #state = "connecting";
  #current = null;
  #timer = null;
  #renewing = null;
  #handled = new Map();
  #registered = new Set();
  #abort = new AbortController();
  #originalGetCredential = null;
  #ownGetCredential = false;
  #wrapper = null;
  #stats = { exchanges: 0, registrations: 0, renewals: 0, refusedReports: 0, recovered: 0, refusedAgain: 0, linkRequired: 0 };

  constructor(options) {
    if (!options || typeof options.tokenUrl !== "string") throw new TypeError("connectArcGisToken: tokenUrl is required");
    if (options.linkRequired !== undefined && !["redirect", "callback"].includes(options.linkRequired)) {
      throw new TypeError('connectArcGisToken: linkRequired is "redirect" or "callback"');
    }
    if (options.linkRequired === "callback" && typeof options.onLinkRequired !== "function") {
      throw new TypeError('connectArcGisToken: linkRequired "callback" needs onLinkRequired');
    }
    this.#options = {
      services: [],
      federatedServers: [],
      renewBeforeMs: DEFAULT_RENEW_BEFORE_MS,
      maxAttempts: DEFAULT_MAX_ATTEMPTS,
      ...options,
    };
    this.#options.services = this.#options.services.map(trimSlash);
    this.#options.federatedServers = this.#options.federatedServers.map(trimSlash);
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#clock = options.clock ?? systemClock;
  }

  /** `connecting`, `active`, `link-required` (the user must link ArcGIS; the last token stays until it expires) or `destroyed`. */
  get state() { return this.#state; }
  /** The registered token's fields, without the token itself. */
  get token() {
    const c = this.#current;
    return c && { server: c.server, userId: c.userId, expires: c.expires, ssl: c.ssl, kind: c.kind };
  }
  /** Counters: exchanges, registrations, renewals, refusedReports (exchanges with refused_token), recovered, refusedAgain, linkRequired. */
  get stats() { return { ...this.#stats }; }

  async start() {
    this.#im = this.#options.identityManager
      ?? (await import("@arcgis/core/identity/IdentityManager.js")).default;
    this.#ServerInfo = this.#options.ServerInfo ?? (this.#options.federatedServers.length ? await loadServerInfo() : null);
    this.#install();
    try {
      const token = await this.#exchange(null);
      this.#adopt(token, "initial");
    } catch (error) {
      this.destroy();
      throw error;
    }
  }

  /** A new exchange now (shared with a renewal under way); resolves with the new token's fields. */
  async renew() {
    this.#renewing ??= this.#exchange(null).then((token) => {
      this.#adopt(token, "renewal");
      return this.token;
    }).finally(() => { this.#renewing = null; });
    return this.#renewing;
  }

  /** Sign-out: stops the timers and pending exchanges, destroys the credentials of the covered servers, unhooks. */
  destroy() {
    if (this.#state === "destroyed") return;
    this.#state = "destroyed";
    this.#clearTimer();
    this.#abort.abort();
    if (this.#im && this.#wrapper && this.#im.getCredential === this.#wrapper) {
      if (this.#ownGetCredential) this.#im.getCredential = this.#originalGetCredential;
      else delete this.#im.getCredential;
    }
    if (this.#im) {
      // The credentials registered here, and the server credentials the SDK derived from them (federated servers).
      for (const credential of [...(this.#im.credentials ?? [])]) {
        if (this.#registered.has(credential) || (credential.server && this.#federatedRootOf(credential.server))) credential.destroy();
      }
    }
    this.#registered.clear();
    this.#current = null;
    this.#handled.clear();
  }

  // --- the exchange ---------------------------------------------------------------------------------------------

  async #exchange(refusedToken) {
    const { tokenUrl, maxAttempts } = this.#options;
    for (let attempt = 1; ; attempt++) {
      this.#assertAlive();
      this.#stats.exchanges += 1;
      if (refusedToken) this.#stats.refusedReports += 1;
      const init = refusedToken
        ? { method: "POST", headers: { Accept: "application/json", "Content-Type": "application/json" },
          body: JSON.stringify({ refused_token: refusedToken }) }
        : { method: "GET", headers: { Accept: "application/json" } };
      let response;
      try {
        response = await this.#fetch(tokenUrl, { ...init, credentials: "same-origin", signal: this.#abort.signal });
      } catch (error) {
        this.#assertAlive();
        if (attempt < maxAttempts) { await this.#sleep(DEFAULT_RETRY_AFTER_MS); continue; }
        throw new ArcGisTokenError("exchange_failed", `the token endpoint is unreachable: ${error?.message ?? error}`, { cause: error });
      }
      let body = {};
      try { body = await response.json(); } catch { body = {}; }
      this.#assertAlive();
      if (response.ok && typeof body?.access_token === "string") return this.#tokenFrom(body, !!refusedToken);
      if (body?.error === "not_linked" && body["account-link-url"]) {
        this.#linkRequired(body["account-link-url"]);
        throw new ArcGisTokenError("link_required", "the user must link their ArcGIS account once", { linkUrl: body["account-link-url"] });
      }
      if (response.status === 503 || body?.error === "temporarily_unavailable") {
        const wait = retryAfterMs(response.headers?.get?.("Retry-After"), this.#clock.now());
        if (attempt < maxAttempts) { await this.#sleep(wait); continue; }
        throw new ArcGisTokenError("temporarily_unavailable", body?.error_description ?? "the exchange is temporarily unavailable",
          { retryAfterMs: wait, status: response.status });
      }
      if (response.status === 401 || body?.error === "login_required") {
        throw new ArcGisTokenError("login_required", "the user is not signed in to the app", { status: response.status });
      }
      throw new ArcGisTokenError("exchange_failed", body?.error_description ?? body?.error ?? `HTTP ${response.status}`,
        { status: response.status, error: body?.error });
    }
  }

  #tokenFrom(body, fromRefusal) {
    if (typeof body.server !== "string") throw new ArcGisTokenError("exchange_failed", "the answer names no server");
    const now = this.#clock.now();
    const lifetimeMs = Number.isFinite(body.expires_in) ? body.expires_in * 1000
      : Number.isFinite(body.expires) ? body.expires - now : 30 * 60_000;
    return {
      token: body.access_token,
      server: trimSlash(body.server),
      userId: body.userId,
      // registerToken's expires: the server's epoch milliseconds; renewal is timed on expires_in from receipt.
      expires: Number.isFinite(body.expires) ? body.expires : now + lifetimeMs,
      ssl: body.ssl === true,
      kind: body.arcgis_token_kind,
      receivedAt: now,
      lifetimeMs: Math.max(0, lifetimeMs),
      fromRefusal,
    };
  }

  #linkRequired(url) {
    if (this.#state === "link-required") return;
    this.#state = "link-required";
    this.#stats.linkRequired += 1;
    this.#clearTimer();
    if (this.#options.linkRequired === "redirect") {
      globalThis.location.assign(url);
    } else {
      this.#options.onLinkRequired?.(url);
    }
  }

  // --- registration and renewal -------------------------------------------------------------------------------------

  #adopt(token, reason) {
    this.#assertAlive();
    this.#current = token;
    this.#state = "active";
    this.#register(token);
    this.#stats.registrations += 1;
    if (reason === "renewal") this.#stats.renewals += 1;
    this.#schedule();
    this.#options.onToken?.({ reason, server: token.server, userId: token.userId, expires: token.expires });
  }

  #register(token) {
    const im = this.#im;
    const credential = { token: token.token, expires: token.expires, ssl: token.ssl, userId: token.userId };
    if (this.#options.federatedServers.length) this.#declareServers(token);
    // The portal first: registering the same server again updates its credential and, on Enterprise, makes the SDK
    // trade the new portal token for fresh server tokens of the federated servers (refreshServerTokens).
    for (const server of [token.server, ...this.#options.services]) {
      im.registerToken({ server, ...credential });
      const registered = im.findCredential(server);
      if (registered) this.#registered.add(registered);
    }
  }

  /**
   * ArcGIS Enterprise: the portal and its federated servers as the SDK would learn them from the servers' rest/info
   * (owningSystemUrl), with the portal's token service taken from the exchange's `server` (the SDK itself would force
   * https on it), so the SDK trades the registered portal token for server tokens at the portal's generateToken.
   */
  #declareServers(token) {
    const im = this.#im;
    const portalRoot = token.server.replace(/\/sharing(\/rest)?$/i, "");
    const tokenServiceUrl = `${token.server}/generateToken`;
    const make = (props) => (this.#ServerInfo ? new this.#ServerInfo(props) : props);
    const portalInfo = im.findServerInfo(token.server);
    if (!portalInfo) {
      im.registerServers([make({ server: portalRoot, tokenServiceUrl, hasPortal: true })]);
    } else {
      portalInfo.tokenServiceUrl = tokenServiceUrl;
      portalInfo.hasPortal = true;
    }
    for (const server of this.#options.federatedServers) {
      const info = im.findServerInfo(server);
      if (!info) {
        im.registerServers([make({ server, tokenServiceUrl, owningSystemUrl: portalRoot, hasServer: true })]);
      } else {
        info.owningSystemUrl = portalRoot;
        info.tokenServiceUrl = tokenServiceUrl;
        info.hasServer = true;
      }
    }
  }

  #schedule() {
    this.#clearTimer();
    if (this.#state !== "active" || !this.#current) return;
    const { receivedAt, lifetimeMs } = this.#current;
    const before = Math.min(this.#options.renewBeforeMs, lifetimeMs / 2);
    const delay = Math.max(MIN_TIMER_MS, receivedAt + lifetimeMs - before - this.#clock.now());
    this.#timer = this.#clock.setTimeout(() => this.#renewOnTimer(), delay);
  }

  async #renewOnTimer() {
    this.#timer = null;
    try {
      await this.renew();
    } catch (error) {
      if (this.#state === "destroyed" || error.code === "link_required") return;
      this.#options.onError?.(error);
      this.#clearTimer();
      this.#timer = this.#clock.setTimeout(() => this.#renewOnTimer(), Math.max(MIN_TIMER_MS, error.retryAfterMs ?? RENEWAL_RETRY_MS));
    }
  }

  #clearTimer() {
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  #sleep(ms) {
    return new Promise((resolve, reject) => {
      const id = this.#clock.setTimeout(() => { this.#abort.signal.removeEventListener("abort", onAbort); resolve(); }, ms);
      const onAbort = () => { this.#clock.clearTimeout(id); reject(this.#destroyedError()); };
      this.#abort.signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  #assertAlive() {
    if (this.#state === "destroyed") throw this.#destroyedError();
  }

  #destroyedError() {
    return new ArcGisTokenError("destroyed", "the ArcGIS token session was destroyed (sign-out)");
  }

  // --- 498: one fresh exchange, never a loop, never the sign-in dialog -------------------------------------------------

  /**
   * @arcgis/core answers a 498 on a URL it holds a credential for by destroying that credential and opening its
   * sign-in (IdentityManagerBase.getCredential with options.error). The session takes these calls for the URLs it
   * covers before that happens; every other call goes to the SDK unchanged.
   */
  #install() {
    const im = this.#im;
    this.#ownGetCredential = Object.prototype.hasOwnProperty.call(im, "getCredential");
    const original = im.getCredential;
    this.#originalGetCredential = original;
    const session = this;
    this.#wrapper = function getCredential(url, options) {
      const status = options?.error?.details?.httpStatus;
      if (status === 498 && session.#state !== "destroyed" && session.#current && session.#covers(url, session.#current)) {
        return session.#recover(String(url), options);
      }
      return original.call(this, url, options);
    };
    im.getCredential = this.#wrapper;
  }

  #covers(url, current) {
    if (under(url, `${current.server.replace(/\/sharing(\/rest)?$/i, "")}/sharing`)) return true;
    return this.#options.services.some((root) => under(url, root)) || this.#federatedRootOf(url) !== null;
  }

  #federatedRootOf(url) {
    return this.#options.federatedServers.find((root) => under(url, root)) ?? null;
  }

  async #recover(url, options) {
    const refused = options?.token ?? options?.credential?.token ?? null;
    const federated = this.#federatedRootOf(url);
    const handled = refused ? this.#handled.get(refused) : undefined;
    if (handled) {
      // The same refusal again (requests that were in flight): they share the one exchange.
      await handled;
      return this.#credentialAfter(url, federated, refused, options);
    }
    if (this.#state === "link-required") {
      throw new ArcGisTokenError("link_required", "the user must link their ArcGIS account once");
    }
    const current = this.#current;
    if (!federated && refused && refused !== current.token) {
      // A token the session has replaced since: the current one answers the retry, no exchange.
      return this.#credentialAfter(url, federated, refused, options);
    }
    if (current.fromRefusal) {
      // The token that replaced a refused one is refused too: surface it, do not loop.
      this.#stats.refusedAgain += 1;
      const error = new ArcGisTokenError("refused_again",
        "ArcGIS refused the token that replaced a refused token; not retrying", { url });
      this.#options.onError?.(error);
      throw error;
    }
    const replacement = this.#replaceRefused(current.token, federated, refused);
    this.#remember(refused ?? current.token, replacement);
    this.#remember(current.token, replacement);
    await replacement;
    this.#stats.recovered += 1;
    return this.#credentialAfter(url, federated, refused, options);
  }

  #remember(token, promise) {
    this.#handled.set(token, promise.catch(() => {}));
    while (this.#handled.size > HANDLED_REFUSALS_KEPT) this.#handled.delete(this.#handled.keys().next().value);
  }

  async #replaceRefused(refusedPortalToken, federated, refusedServerToken) {
    const token = await this.#exchange(refusedPortalToken);
    if (token.token === refusedPortalToken) {
      this.#stats.refusedAgain += 1;
      throw new ArcGisTokenError("refused_again", "the backend answered the refused token again");
    }
    if (federated) this.#destroyServerCredentials(federated, refusedServerToken);
    this.#adopt(token, "refused");
  }

  #destroyServerCredentials(root, token) {
    for (const credential of [...(this.#im.credentials ?? [])]) {
      if (credential.server && under(credential.server, root) && (!token || credential.token === token)) credential.destroy();
    }
  }

  async #credentialAfter(url, federated, refused, options) {
    if (this.#state === "link-required") throw new ArcGisTokenError("link_required", "the user must link their ArcGIS account once");
    this.#assertAlive();
    let credential;
    if (federated) {
      // Server tokens derive from the portal token: the SDK trades the new one at generateToken, with no prompt.
      if (refused) this.#destroyServerCredentials(federated, refused);
      credential = await this.#originalGetCredential.call(this.#im, url, { prompt: false, signal: options?.signal });
    } else {
      credential = this.#im.findCredential(url);
    }
    if (!credential?.token || credential.token === refused) {
      throw new ArcGisTokenError("refused_again", "no other token to retry with", { url });
    }
    return credential;
  }
}

async function loadServerInfo() {
  try {
    return (await import("@arcgis/core/identity/ServerInfo.js")).default;
  } catch {
    return null;
  }
}
