import type { IdentityManagerBase } from "@arcgis/core/identity/IdentityManagerBase.js";

/** What the backend's exchange endpoint answers (Keycloak's token-exchange response for requested_issuer=arcgis). */
export interface ArcGisTokenResponse {
  access_token: string;
  issued_token_type?: string;
  token_type?: string;
  expires_in: number;
  /** The portal's sharing/rest URL, for IdentityManager.registerToken. */
  server: string;
  /** Epoch milliseconds. */
  expires: number;
  ssl: boolean;
  userId?: string;
  arcgis_token_kind?: "user" | "app";
}

/** The registered token's fields, without the token itself. */
export interface ArcGisTokenInfo {
  server: string;
  userId?: string;
  /** Epoch milliseconds. */
  expires: number;
  ssl: boolean;
  kind?: "user" | "app";
}

export interface ArcGisTokenEvent {
  /** `initial` (connect), `renewal` (ahead of expiry, or renew()), `refused` (after a 498, one fresh exchange). */
  reason: "initial" | "renewal" | "refused";
  server: string;
  userId?: string;
  expires: number;
}

export type ArcGisTokenErrorCode =
  | "link_required"
  | "login_required"
  | "temporarily_unavailable"
  | "exchange_failed"
  | "refused_again"
  | "destroyed";

export class ArcGisTokenError extends Error {
  readonly name: "ArcGisTokenError";
  readonly code: ArcGisTokenErrorCode;
  /** With `link_required`: Keycloak's account-link-url (the backend has appended the app's redirect_uri). */
  readonly linkUrl?: string;
  /** With `temporarily_unavailable`: the wait the backend asked for (Retry-After), in milliseconds. */
  readonly retryAfterMs?: number;
  readonly status?: number;
  readonly url?: string;
  constructor(code: ArcGisTokenErrorCode, message: string, details?: Record<string, unknown>);
}

/** Timers and time, replaceable in tests. */
export interface ArcGisTokenClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface ConnectArcGisTokenOptions {
  /**
   * The backend's endpoint: `GET` answers the user's ArcGIS token ({@link ArcGisTokenResponse}), or
   * `400 {"error":"not_linked","account-link-url":…}`, or `503` with `Retry-After`; `POST` with the JSON body
   * `{"refused_token": "<token ArcGIS answered 498 for>"}` answers the same after a fresh exchange. Same-origin cookies are sent.
   */
  tokenUrl: string;
  /** The app's IdentityManager; default: `@arcgis/core/identity/IdentityManager.js`. */
  identityManager?: IdentityManagerBase;
  /**
   * Service URLs the token is registered for besides the portal's sharing/rest: hosted feature services beside an ArcGIS
   * Online portal (`…/rest/services/Name/FeatureServer`; registering the service itself spares a 499 round trip).
   */
  services?: string[];
  /**
   * ArcGIS Enterprise: roots of the portal's federated ArcGIS Servers (`https://host/server`). They are declared to the
   * IdentityManager with the portal as owning system, so the SDK trades the registered portal token for server tokens
   * at the portal's generateToken; no server token is registered by the app.
   */
  federatedServers?: string[];
  /** `"callback"` (default when onLinkRequired is given): onLinkRequired(url); `"redirect"`: the page goes to the URL. */
  linkRequired?: "callback" | "redirect";
  /** The user must link ArcGIS once: show a link to `url` (Keycloak's account-link-url, ending at the app again). */
  onLinkRequired?: (url: string) => void;
  /** How long before expiry to renew; at most half the token's lifetime. Default 60000. */
  renewBeforeMs?: number;
  /** Attempts per exchange when the backend answers 503 (honouring Retry-After) or is unreachable. Default 3. */
  maxAttempts?: number;
  /** Called after each registration. */
  onToken?: (event: ArcGisTokenEvent) => void;
  /** Failures outside a call the app made: a renewal that failed (it is retried), a token refused twice. */
  onError?: (error: ArcGisTokenError) => void;
  /** The fetch to use (default: the global fetch). */
  fetch?: typeof fetch;
  /** ServerInfo constructor (default: `@arcgis/core/identity/ServerInfo.js`, loaded only with federatedServers). */
  ServerInfo?: new (properties: Record<string, unknown>) => unknown;
  /** For tests. */
  clock?: ArcGisTokenClock;
}

export interface ArcGisTokenStats {
  exchanges: number;
  registrations: number;
  renewals: number;
  /** Exchanges that reported a refused token. */
  refusedReports: number;
  recovered: number;
  refusedAgain: number;
  linkRequired: number;
}

export class ArcGisTokenSession {
  constructor(options: ConnectArcGisTokenOptions);
  readonly state: "connecting" | "active" | "link-required" | "destroyed";
  readonly token: ArcGisTokenInfo | null;
  readonly stats: ArcGisTokenStats;
  start(): Promise<void>;
  /** A new exchange now; resolves with the new token's fields. */
  renew(): Promise<ArcGisTokenInfo>;
  /** Sign-out: stops timers and pending exchanges, destroys the covered credentials, unhooks from the IdentityManager. */
  destroy(): void;
}

/**
 * Fetches the user's ArcGIS token from the backend, registers it, and keeps it registered: renewal ahead of expiry,
 * one fresh exchange after a 498 (no loop, no sign-in dialog), link-required to the app, destroy() on sign-out.
 * Rejects with an {@link ArcGisTokenError}.
 */
export function connectArcGisToken(options: ConnectArcGisTokenOptions): Promise<ArcGisTokenSession>;
