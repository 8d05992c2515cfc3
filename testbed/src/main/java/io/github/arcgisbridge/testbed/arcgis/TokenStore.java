package io.github.arcgisbridge.testbed.arcgis;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.github.arcgisbridge.testbed.clock.TestbedClock;
import io.github.arcgisbridge.testbed.http.Exchanges;

/**
 * Every token and code the portal has issued and not yet invalidated, all opaque. Each access token remembers the
 * refresh token it was obtained with, because Esri invalidates them together: "All the access_token obtained with
 * the old refresh_token will also be invalidated" (exchange_refresh_token), and "When a refresh token is revoked, all
 * access tokens generated from the refresh token will also be revoked" (revokeToken). Changes that must not
 * interleave (issuing from a refresh token while it is being invalidated) take one lock; lookups do not.
 */
final class TokenStore {

    /** A refresh token: whose, for which app, the redirect URI of its authorization, and how long it was made to live. */
    record RefreshGrant(String username, String clientId, String redirectUri, long lifetimeSeconds, long expiresAt) { }

    /** An access token of a member ({@code username}) or of an app (no username), and its refresh token, if any. */
    record AccessGrant(String username, String clientId, String refreshToken, long expiresAt) { }

    /** A server token from {@code generateToken}: good for one server only. */
    record ServerGrant(String serverRoot, String username, long expiresAt) { }

    /** An authorization code waiting for the app to redeem it. */
    record PendingCode(String username, AppRequest request, long expiresAt) { }

    /** Tokens issued together: an access token and the refresh token it derives from. */
    record UserTokens(String accessToken, String refreshToken, RefreshGrant refresh) { }

    /** What revoking a token did. */
    enum Revocation { REVOKED, NOTHING_TO_REVOKE, OTHER_APPS_TOKEN }

    /** Authorization codes: single use, ten minutes (RFC 6749 §4.1.2's recommended maximum; Esri states none). */
    static final int CODE_SECONDS = 600;

    private final Object lock = new Object();
    private final Map<String, AccessGrant> accessTokens = new ConcurrentHashMap<>();
    private final Map<String, RefreshGrant> refreshTokens = new ConcurrentHashMap<>();
    private final Map<String, ServerGrant> serverTokens = new ConcurrentHashMap<>();
    private final Map<String, PendingCode> codes = new ConcurrentHashMap<>();
    /** Access tokens per refresh token; guarded by {@link #lock}. */
    private final Map<String, Set<String>> derived = new HashMap<>();

    String newCode(String username, AppRequest request) {
        String code = Exchanges.random(24);
        codes.put(code, new PendingCode(username, request, TestbedClock.now() + CODE_SECONDS));
        return code;
    }

    /** The code's sign-in, once; null when unknown, used or expired. */
    PendingCode redeemCode(String code) {
        PendingCode pending = code == null ? null : codes.remove(code);
        return pending != null && pending.expiresAt() > TestbedClock.now() ? pending : null;
    }

    /** An active access token's grant, or null. */
    AccessGrant access(String token) {
        AccessGrant grant = token == null ? null : accessTokens.get(token);
        return grant != null && grant.expiresAt() > TestbedClock.now() ? grant : null;
    }

    /** A refresh token's grant, expired or not (the two are answered differently), or null when unknown or invalidated. */
    RefreshGrant refresh(String token) {
        return token == null ? null : refreshTokens.get(token);
    }

    /** An active server token's grant, or null. */
    ServerGrant server(String token) {
        ServerGrant grant = token == null ? null : serverTokens.get(token);
        return grant != null && grant.expiresAt() > TestbedClock.now() ? grant : null;
    }

    /** The authorization code grant: a new refresh token and an access token derived from it. */
    UserTokens issue(String username, String clientId, String redirectUri, long refreshSeconds, int accessSeconds) {
        synchronized (lock) {
            String refreshToken = Exchanges.random(32);
            RefreshGrant refresh = new RefreshGrant(username, clientId, redirectUri, refreshSeconds, TestbedClock.now() + refreshSeconds);
            refreshTokens.put(refreshToken, refresh);
            return new UserTokens(derive(refreshToken, refresh, accessSeconds), refreshToken, refresh);
        }
    }

    /** The refresh_token grant: a new access token derived from the refresh token; null if it was invalidated meanwhile. */
    String refreshAccess(String refreshToken, int accessSeconds) {
        synchronized (lock) {
            RefreshGrant refresh = refreshTokens.get(refreshToken);
            return refresh == null ? null : derive(refreshToken, refresh, accessSeconds);
        }
    }

    /**
     * The exchange_refresh_token grant: the old refresh token and every access token derived from it stop working; the
     * new refresh token lives as long as the old one was made to, from now. Null if it was invalidated meanwhile.
     */
    UserTokens exchange(String oldRefreshToken, int accessSeconds) {
        synchronized (lock) {
            RefreshGrant old = refreshTokens.get(oldRefreshToken);
            if (old == null) {
                return null;
            }
            invalidate(oldRefreshToken);
            return issue(old.username(), old.clientId(), old.redirectUri(), old.lifetimeSeconds(), accessSeconds);
        }
    }

    String issueAppToken(String clientId, long seconds) {
        String token = Exchanges.random(48);
        accessTokens.put(token, new AccessGrant(null, clientId, null, TestbedClock.now() + seconds));
        return token;
    }

    String issueServerToken(String serverRoot, String username, long expiresAt) {
        String token = Exchanges.random(48);
        serverTokens.put(token, new ServerGrant(serverRoot, username, expiresAt));
        return token;
    }

    /**
     * {@code oauth2/revokeToken}: a member's access or refresh token, by the app it was issued to. Unknown and expired
     * tokens, app tokens and server tokens (not revocable this way) are nothing to revoke.
     */
    Revocation revoke(String token, String clientId) {
        synchronized (lock) {
            RefreshGrant refresh = refresh(token);
            if (refresh != null && refresh.expiresAt() <= TestbedClock.now()) {
                refresh = null;
            }
            AccessGrant access = access(token);
            String owner = refresh != null ? refresh.clientId() : access != null && access.username() != null ? access.clientId() : null;
            if (owner == null) {
                return Revocation.NOTHING_TO_REVOKE;
            }
            if (!owner.equals(clientId)) {
                return Revocation.OTHER_APPS_TOKEN;
            }
            if (refresh != null) {
                invalidate(token);
            } else {
                accessTokens.remove(token);
            }
            return Revocation.REVOKED;
        }
    }

    /** Everything issued to a member through refresh tokens, as when the member's authorization of the apps is revoked. */
    void revokeRefreshTokensOf(String username) {
        synchronized (lock) {
            refreshTokens.entrySet().stream().filter(entry -> entry.getValue().username().equals(username))
                    .map(Map.Entry::getKey).toList().forEach(this::invalidate);
        }
    }

    private String derive(String refreshToken, RefreshGrant refresh, int accessSeconds) {
        String accessToken = Exchanges.random(48);
        long expiresAt = TestbedClock.now() + accessSeconds;
        accessTokens.put(accessToken, new AccessGrant(refresh.username(), refresh.clientId(), refreshToken, expiresAt));
        derived.computeIfAbsent(refreshToken, token -> new HashSet<>()).add(accessToken);
        return accessToken;
    }

    private void invalidate(String refreshToken) {
        refreshTokens.remove(refreshToken);
        Set<String> accessTokensOfIt = derived.remove(refreshToken);
        if (accessTokensOfIt != null) {
            accessTokensOfIt.forEach(accessTokens::remove);
        }
    }
}
