package io.github.arcgisbridge.testbed.arcgis;

import java.io.IOException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;

import io.github.arcgisbridge.testbed.http.Exchanges;
import io.github.arcgisbridge.testbed.http.Pkce;

/**
 * The portal's {@code sharing/rest/oauth2/token} with its documented grants ({@code authorization_code},
 * {@code refresh_token}, {@code exchange_refresh_token}, {@code client_credentials}), opaque tokens and ArcGIS-shaped
 * responses ({@code access_token}, {@code expires_in}, {@code username}, {@code ssl}, {@code refresh_token},
 * {@code refresh_token_expires_in}) and errors ({@code {"error":{"code":400,...}}}).
 */
final class PortalTokens {

    /** Documented default lifetime of user access tokens: 30 minutes. */
    static final int DEFAULT_USER_TOKEN_MINUTES = 30;
    /** Documented default lifetime of refresh tokens: two weeks. */
    static final int REFRESH_TOKEN_SECONDS = 14 * 24 * 3600;
    /** App (client credentials) tokens: two hours, the documented default. */
    static final int APP_TOKEN_SECONDS = 7200;

    /** A token the portal issued: for a member (username set) or for an app (username null). */
    record Issued(String username, String clientId, long expiresAt) {
        boolean activeAt(long now) {
            return expiresAt > now;
        }
    }

    /** An ArcGIS authorization code waiting for the app to redeem it. */
    record PendingCode(String username, String clientId, String redirectUri, String codeChallenge, int expirationMinutes, long expiresAt) { }

    private final ArcGisPortal portal;
    private final Map<String, Issued> accessTokens = new ConcurrentHashMap<>();
    private final Map<String, Issued> refreshTokens = new ConcurrentHashMap<>();
    private final Map<String, PendingCode> codes = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> grantCounts = new ConcurrentHashMap<>();
    private volatile int userTokenSeconds = DEFAULT_USER_TOKEN_MINUTES * 60;

    PortalTokens(ArcGisPortal portal) {
        this.portal = portal;
    }

    /** Shortens user tokens, so tests can watch an expiry without waiting 30 minutes. */
    void userTokenSeconds(int seconds) {
        userTokenSeconds = seconds;
    }

    int grants(String grantType) {
        AtomicInteger count = grantCounts.get(grantType);
        return count == null ? 0 : count.get();
    }

    String newCode(String username, String clientId, String redirectUri, String codeChallenge, int expirationMinutes) {
        String code = Exchanges.random(24);
        codes.put(code, new PendingCode(username, clientId, redirectUri, codeChallenge, expirationMinutes, now() + 600));
        return code;
    }

    /** The token's holder, or null when it is unknown or expired. */
    Issued lookUp(String token) {
        Issued issued = token == null ? null : accessTokens.get(token);
        return issued != null && issued.activeAt(now()) ? issued : null;
    }

    void revokeRefreshTokensOf(String username) {
        refreshTokens.values().removeIf(issued -> username.equals(issued.username()));
    }

    void handle(HttpExchange exchange) throws IOException {
        Map<String, String> params = Exchanges.params(exchange);
        String grantType = params.getOrDefault("grant_type", "");
        grantCounts.computeIfAbsent(grantType, g -> new AtomicInteger()).incrementAndGet();
        if (portal.fault().answer(exchange)) {
            return;
        }
        ArcGisPortal.App app = portal.app(params.get("client_id"));
        if (app == null) {
            error(exchange, 400, "invalid_client", "Invalid client_id");
            return;
        }
        switch (grantType) {
            case "authorization_code" -> authorizationCode(exchange, app, params);
            case "refresh_token" -> refresh(exchange, app, params);
            case "exchange_refresh_token" -> exchangeRefresh(exchange, app, params);
            case "client_credentials" -> clientCredentials(exchange, app, params);
            default -> error(exchange, 400, "unsupported_grant_type", "Invalid grant_type");
        }
    }

    private void authorizationCode(HttpExchange exchange, ArcGisPortal.App app, Map<String, String> params) throws IOException {
        PendingCode code = codes.remove(params.getOrDefault("code", ""));
        if (code == null || code.expiresAt() < now() || !code.clientId().equals(app.clientId())
                || !code.redirectUri().equals(params.get("redirect_uri"))) {
            error(exchange, 400, "invalid_grant", "Invalid authorization code");
            return;
        }
        if (code.codeChallenge() != null && !Pkce.s256(params.get("code_verifier")).equals(code.codeChallenge())) {
            error(exchange, 400, "invalid_grant", "Invalid code_verifier");
            return;
        }
        String refreshToken = Exchanges.random(32);
        refreshTokens.put(refreshToken, new Issued(code.username(), app.clientId(), now() + REFRESH_TOKEN_SECONDS));
        Map<String, Object> response = userToken(code.username(), app.clientId(), code.expirationMinutes());
        response.put("refresh_token", refreshToken);
        response.put("refresh_token_expires_in", REFRESH_TOKEN_SECONDS);
        Exchanges.json(exchange, 200, response);
    }

    private void refresh(HttpExchange exchange, ArcGisPortal.App app, Map<String, String> params) throws IOException {
        Issued refresh = refreshTokens.get(params.getOrDefault("refresh_token", ""));
        if (refresh == null || !refresh.activeAt(now()) || !refresh.clientId().equals(app.clientId())) {
            error(exchange, 400, "invalid_request", "Invalid refresh_token");
            return;
        }
        Exchanges.json(exchange, 200, userToken(refresh.username(), app.clientId(), 0));
    }

    private void exchangeRefresh(HttpExchange exchange, ArcGisPortal.App app, Map<String, String> params) throws IOException {
        String old = params.getOrDefault("refresh_token", "");
        Issued refresh = refreshTokens.get(old);
        if (refresh == null || !refresh.activeAt(now()) || !refresh.clientId().equals(app.clientId())
                || !app.redirectUris().contains(params.get("redirect_uri"))) {
            error(exchange, 400, "invalid_request", "Invalid refresh_token");
            return;
        }
        // Assumption: the old refresh token stops working once exchanged.
        refreshTokens.remove(old);
        String fresh = Exchanges.random(32);
        refreshTokens.put(fresh, new Issued(refresh.username(), app.clientId(), now() + REFRESH_TOKEN_SECONDS));
        Exchanges.json(exchange, 200, Map.of("refresh_token", fresh, "refresh_token_expires_in", REFRESH_TOKEN_SECONDS,
                "username", refresh.username(), "ssl", false));
    }

    private void clientCredentials(HttpExchange exchange, ArcGisPortal.App app, Map<String, String> params) throws IOException {
        if (app.secret() == null || !app.secret().equals(params.get("client_secret"))) {
            error(exchange, 400, "invalid_client", "Invalid client_secret");
            return;
        }
        String token = Exchanges.random(48);
        accessTokens.put(token, new Issued(null, app.clientId(), now() + APP_TOKEN_SECONDS));
        Exchanges.json(exchange, 200, Map.of("access_token", token, "expires_in", APP_TOKEN_SECONDS));
    }

    private Map<String, Object> userToken(String username, String clientId, int expirationMinutes) {
        int seconds = expirationMinutes > 0 ? Math.min(expirationMinutes * 60, userTokenSeconds) : userTokenSeconds;
        String token = Exchanges.random(48);
        accessTokens.put(token, new Issued(username, clientId, now() + seconds));
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("access_token", token);
        response.put("expires_in", seconds);
        response.put("username", username);
        response.put("ssl", false);
        return response;
    }

    /** ArcGIS error shape; the HTTP status carries the code too (assumption: documented bodies, undocumented status). */
    static void error(HttpExchange exchange, int code, String error, String description) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("code", code);
        body.put("error", error);
        body.put("error_description", description);
        body.put("message", description);
        Exchanges.json(exchange, code, Map.of("error", body));
    }

    private static long now() {
        return Instant.now().getEpochSecond();
    }
}
