package io.github.arcgisbridge.testbed.identityserver;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;

import io.github.arcgisbridge.testbed.clock.TestbedClock;
import io.github.arcgisbridge.testbed.http.Exchanges;
import io.github.arcgisbridge.testbed.http.Pkce;

/**
 * IdentityServer4's browser sign-in: {@code /connect/authorize} (exact redirect URI match, {@code state}, {@code nonce},
 * PKCE), the login page at {@code /account/login} with a session cookie, and redemption of single-use codes at the
 * token endpoint with client authentication (Basic or {@code client_secret_post}).
 */
final class AuthorizationCodeFlow {

    static final String SESSION_COOKIE = "idsrv.session";
    private static final int CODE_LIFETIME_SECONDS = 300;
    
    private record PendingCode(String clientId, String redirectUri, TestUser user, String nonce, List<String> scopes,
                               String codeChallenge, String codeChallengeMethod, long expiresAt, String sessionId) { }

    private final IdentityServer4Issuer issuer;
    private final Map<String, RegisteredClient> clients = new ConcurrentHashMap<>();
    private final Map<String, TestUser> sessions = new ConcurrentHashMap<>();
    private final Map<String, PendingCode> codes = new ConcurrentHashMap<>();
    private final AtomicInteger logins = new AtomicInteger();

    AuthorizationCodeFlow(IdentityServer4Issuer issuer) {
        this.issuer = issuer;
    }

    void register(RegisteredClient client) {
        clients.put(client.clientId(), client);
    }

    int logins() {
        return logins.get();
    }

    void authorize(HttpExchange exchange) throws IOException {
        Map<String, String> query = Exchanges.query(exchange.getRequestURI());
        RegisteredClient client = clients.get(query.getOrDefault("client_id", ""));
        String redirectUri = query.getOrDefault("redirect_uri", "");
        if (client == null || !client.redirectUris().contains(redirectUri)) {
            // Never redirect to an unregistered URI: show the error instead, as IdentityServer4 does.
            Exchanges.html(exchange, 400, "<h1>Error</h1><p>unauthorized_client: unknown client or redirect_uri</p>");
            return;
        }
        List<String> scopes = List.of(query.getOrDefault("scope", "").split(" "));
        if (!"code".equals(query.get("response_type")) || !scopes.contains("openid")) {
            Exchanges.redirect(exchange, redirectUri + "?error=invalid_request&state=" + Exchanges.encode(query.getOrDefault("state", "")));
            return;
        }
        String sessionId = Exchanges.cookie(exchange, SESSION_COOKIE);
        TestUser user = sessionId == null ? null : sessions.get(sessionId);
        if (user == null) {
            Exchanges.redirect(exchange, issuer.issuer() + "/account/login?returnUrl=" + Exchanges.encode(exchange.getRequestURI().toString()));
            return;
        }
        String code = Exchanges.random(32);
        codes.put(code, new PendingCode(client.clientId(), redirectUri, user, query.get("nonce"), scopes,
                query.get("code_challenge"), query.getOrDefault("code_challenge_method", "plain"),
                TestbedClock.now() + CODE_LIFETIME_SECONDS, sessionId));
        StringBuilder target = new StringBuilder(redirectUri).append("?code=").append(code)
                .append("&scope=").append(Exchanges.encode(String.join(" ", scopes)));
        if (query.containsKey("state")) {
            target.append("&state=").append(Exchanges.encode(query.get("state")));
        }
        target.append("&session_state=").append(Exchanges.random(8));
        Exchanges.redirect(exchange, target.toString());
    }

    void login(HttpExchange exchange) throws IOException {
        if ("GET".equals(exchange.getRequestMethod())) {
            String returnUrl = Exchanges.query(exchange.getRequestURI()).getOrDefault("returnUrl", "/");
            Exchanges.html(exchange, 200, "<h1>IdentityServer4 (testbed) login</h1>"
                    + "<form method=\"post\" action=\"/account/login\">"
                    + "<input type=\"hidden\" name=\"returnUrl\" value=\"" + Exchanges.escapeHtml(returnUrl) + "\">"
                    + "<label>Username <input name=\"username\" id=\"username\"></label>"
                    + "<label>Password <input name=\"password\" id=\"password\" type=\"password\"></label>"
                    + "<button id=\"login\" type=\"submit\">Login</button></form>");
            return;
        }
        Map<String, String> form = Exchanges.params(exchange);
        TestUser user = issuer.user(form.getOrDefault("username", ""));
        if (user == null || !user.password().equals(form.get("password"))) {
            Exchanges.html(exchange, 200, "<h1>Invalid username or password</h1>");
            return;
        }
        String returnUrl = form.getOrDefault("returnUrl", "/");
        if (!returnUrl.startsWith("/connect/authorize")) {
            returnUrl = "/";
        }
        String sessionId = Exchanges.random(16);
        sessions.put(sessionId, user);
        logins.incrementAndGet();
        exchange.getResponseHeaders().add("Set-Cookie", SESSION_COOKIE + "=" + sessionId + "; Path=/; HttpOnly; SameSite=Lax");
        Exchanges.redirect(exchange, issuer.issuer() + returnUrl);
    }

    /** The authorization_code grant; writes the token response or an OAuth error. */
    void redeem(HttpExchange exchange, Map<String, String> form) throws IOException {
        String[] credentials = clientCredentials(exchange, form);
        RegisteredClient client = credentials == null ? null : clients.get(credentials[0]);
        // Public clients (no secret) must prove possession with PKCE instead (RequirePkce, as IdentityServer4 sets for SPAs).
        boolean authenticated = client != null && (client.secret() == null
                ? form.containsKey("code_verifier") : client.secret().equals(credentials[1]));
        if (!authenticated) {
            Exchanges.json(exchange, 400, Map.of("error", "invalid_client"));
            return;
        }
        PendingCode code = codes.remove(form.getOrDefault("code", ""));
        if (code == null || code.expiresAt() < TestbedClock.now() || !code.clientId().equals(client.clientId())
                || !code.redirectUri().equals(form.get("redirect_uri"))) {
            Exchanges.json(exchange, 400, Map.of("error", "invalid_grant"));
            return;
        }
        if ((code.codeChallenge() != null || client.secret() == null) && !challengeMatches(code, form.get("code_verifier"))) {
            Exchanges.json(exchange, 400, Map.of("error", "invalid_grant", "error_description", "invalid code_verifier"));
            return;
        }
        TokenSpec accessSpec = TokenSpec.forUser(code.user()).clientId(client.clientId()).scopes(code.scopes().toArray(String[]::new));
        TokenSpec idSpec = TokenSpec.forUser(code.user()).clientId(client.clientId()).lifetimeSeconds(300);
        if (code.nonce() != null) {
            idSpec.claim("nonce", code.nonce());
        }
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("id_token", issuer.idToken(idSpec));
        response.put("access_token", issuer.accessToken(accessSpec));
        response.put("expires_in", accessSpec.lifetimeSeconds());
        response.put("token_type", "Bearer");
        response.put("scope", String.join(" ", code.scopes()));
        Exchanges.json(exchange, 200, response);
    }

    private static boolean challengeMatches(PendingCode code, String verifier) {
        if (verifier == null) {
            return false;
        }
        return "plain".equals(code.codeChallengeMethod()) ? verifier.equals(code.codeChallenge())
                : Pkce.s256(verifier).equals(code.codeChallenge());
    }

    private static String[] clientCredentials(HttpExchange exchange, Map<String, String> form) {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        if (authorization != null && authorization.startsWith("Basic ")) {
            String decoded = new String(Base64.getDecoder().decode(authorization.substring(6)), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            return colon < 0 ? null : new String[] {URLDecoder.decode(decoded.substring(0, colon), StandardCharsets.UTF_8),
                    URLDecoder.decode(decoded.substring(colon + 1), StandardCharsets.UTF_8)};
        }
        return form.containsKey("client_id") ? new String[] {form.get("client_id"), form.get("client_secret")} : null;
    }
}
