package io.github.arcgisbridge.testbed.arcgis;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import com.sun.net.httpserver.HttpExchange;

import io.github.arcgisbridge.testbed.clock.TestbedClock;
import io.github.arcgisbridge.testbed.http.Exchanges;
import io.github.arcgisbridge.testbed.http.Pkce;

/**
 * {@code oauth2/token} with Esri's grants ("Token", ArcGIS REST API): {@code authorization_code} (with PKCE),
 * {@code refresh_token}, {@code exchange_refresh_token} and {@code client_credentials}. Every request is counted and
 * timed per grant type before any fault applies, so a test sees each attempt a client made.
 */
final class TokenEndpoint {

    private final ArcGisPortal portal;
    private volatile int userTokenSeconds = TokenLifetimes.USER_ACCESS_TOKEN_SECONDS;

    TokenEndpoint(ArcGisPortal portal) {
        this.portal = portal;
    }

    /** A test setting: shortens member access tokens, so an expiry can be watched without waiting 30 minutes. */
    void userTokenSeconds(int seconds) {
        if (seconds < 1 || seconds > TokenLifetimes.USER_ACCESS_TOKEN_SECONDS) {
            throw new IllegalArgumentException("member access tokens live 30 minutes; a test may shorten them to 1.."
                    + TokenLifetimes.USER_ACCESS_TOKEN_SECONDS + " seconds, not " + seconds);
        }
        this.userTokenSeconds = seconds;
    }

    void handle(HttpExchange exchange) throws IOException {
        long started = System.nanoTime();
        Map<String, String> params = Exchanges.params(exchange);
        String grantType = params.getOrDefault("grant_type", "");
        portal.stats().grantRequested(grantType);
        try {
            portal.fault(ArcGisPortal.Endpoint.TOKEN).serve(exchange, answer -> grant(answer, grantType, params));
        } finally {
            portal.stats().grantHandled(grantType, System.nanoTime() - started);
        }
    }

    private void grant(HttpExchange exchange, String grantType, Map<String, String> params) throws IOException {
        ArcGisPortal.App app = portal.app(params.get("client_id"));
        if (app == null) {
            portal.errors().oauth(exchange, 400, "Invalid client_id");
            return;
        }
        switch (grantType) {
            case "authorization_code" -> authorizationCode(exchange, app, params);
            case "refresh_token" -> refresh(exchange, app, params);
            case "exchange_refresh_token" -> exchangeRefresh(exchange, app, params);
            case "client_credentials" -> clientCredentials(exchange, app, params);
            default -> portal.errors().oauth(exchange, 400, "Unsupported grant_type");
        }
    }

    /** Returns the access token (30 minutes) and the refresh token, whose lifetime the authorize request's expiration set. */
    private void authorizationCode(HttpExchange exchange, ArcGisPortal.App app, Map<String, String> params) throws IOException {
        TokenStore.PendingCode code = portal.tokens().redeemCode(params.get("code"));
        if (code == null || !code.request().app().clientId().equals(app.clientId())) {
            portal.errors().oauth(exchange, 400, "Invalid authorization code");
            return;
        }
        if (!code.request().redirectUri().equals(params.get("redirect_uri"))) {
            portal.errors().oauth(exchange, 400, "Invalid redirect_uri");
            return;
        }
        if (code.request().codeChallenge() != null && !Pkce.s256(params.get("code_verifier")).equals(code.request().codeChallenge())) {
            portal.errors().oauth(exchange, 400, "Invalid code_verifier");
            return;
        }
        Member member = portal.directory().byUsername(code.username());
        int refreshMinutes = TokenLifetimes.refreshTokenMinutes(code.request().expirationMinutes(),
                portal.directory().organizationOf(member));
        int seconds = userTokenSeconds;
        TokenStore.UserTokens issued = portal.tokens().issue(member.username(), app.clientId(), code.request().redirectUri(),
                refreshMinutes * 60L, seconds);
        Exchanges.json(exchange, 200, withRefreshToken(issued, seconds));
    }

    /** A new access token only: Esri returns no refresh token for this grant. */
    private void refresh(HttpExchange exchange, ArcGisPortal.App app, Map<String, String> params) throws IOException {
        String refreshToken = params.get("refresh_token");
        TokenStore.RefreshGrant grant = usableRefreshToken(exchange, app, refreshToken);
        if (grant == null) {
            return;
        }
        int seconds = userTokenSeconds;
        String accessToken = portal.tokens().refreshAccess(refreshToken, seconds);
        if (accessToken == null) {
            portal.errors().oauth(exchange, 400, "Invalid refresh_token");
            return;
        }
        Exchanges.json(exchange, 200, accessToken(accessToken, seconds, grant.username()));
    }

    /**
     * A new access token and a new refresh token as long-lived as the old one; the old refresh token and the access
     * tokens obtained with it stop working. The redirect URI must be the authorization's.
     */
    private void exchangeRefresh(HttpExchange exchange, ArcGisPortal.App app, Map<String, String> params) throws IOException {
        String refreshToken = params.get("refresh_token");
        TokenStore.RefreshGrant grant = usableRefreshToken(exchange, app, refreshToken);
        if (grant == null) {
            return;
        }
        if (!grant.redirectUri().equals(params.get("redirect_uri"))) {
            portal.errors().oauth(exchange, 400, params.containsKey("redirect_uri") ? "Invalid redirect_uri" : "redirect_uri is required");
            return;
        }
        int seconds = userTokenSeconds;
        TokenStore.UserTokens issued = portal.tokens().exchange(refreshToken, seconds);
        if (issued == null) {
            portal.errors().oauth(exchange, 400, "Invalid refresh_token");
            return;
        }
        Exchanges.json(exchange, 200, withRefreshToken(issued, seconds));
    }

    /** An app token: two hours unless the app asks for another expiration, capped like every access token. */
    private void clientCredentials(HttpExchange exchange, ArcGisPortal.App app, Map<String, String> params) throws IOException {
        if (app.secret() == null || !app.secret().equals(params.get("client_secret"))) {
            portal.errors().oauth(exchange, 400, "Invalid client_secret");
            return;
        }
        int minutes = TokenLifetimes.accessTokenMinutes(TokenLifetimes.requested(params.get("expiration")), portal.directory().home());
        Exchanges.json(exchange, 200, Map.of("access_token", portal.tokens().issueAppToken(app.clientId(), minutes * 60L),
                "expires_in", minutes * 60));
    }

    /** The refresh token's grant, or null after answering why it cannot be used (an expired one is a 498, as Esri's). */
    private TokenStore.RefreshGrant usableRefreshToken(HttpExchange exchange, ArcGisPortal.App app, String refreshToken)
            throws IOException {
        TokenStore.RefreshGrant grant = portal.tokens().refresh(refreshToken);
        if (grant == null || !grant.clientId().equals(app.clientId())) {
            portal.errors().oauth(exchange, 400, "Invalid refresh_token");
            return null;
        }
        if (grant.expiresAt() <= TestbedClock.now()) {
            portal.errors().oauth(exchange, 498, "refresh_token expired");
            return null;
        }
        return grant;
    }

    private static Map<String, Object> accessToken(String accessToken, int seconds, String username) {
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("access_token", accessToken);
        response.put("expires_in", seconds);
        response.put("username", username);
        // ssl: whether the organisation requires HTTPS; the emulator serves plain HTTP on loopback.
        response.put("ssl", false);
        return response;
    }

    private static Map<String, Object> withRefreshToken(TokenStore.UserTokens issued, int seconds) {
        Map<String, Object> response = accessToken(issued.accessToken(), seconds, issued.refresh().username());
        response.put("refresh_token", issued.refreshToken());
        response.put("refresh_token_expires_in", issued.refresh().lifetimeSeconds());
        return response;
    }
}
