package io.github.arcgisbridge.testbed.arcgis;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

import io.github.arcgisbridge.testbed.clock.TestbedClock;
import io.github.arcgisbridge.testbed.http.Exchanges;
import io.github.arcgisbridge.testbed.http.Pkce;

/**
 * An app's sign-in through the organisation's OpenID Connect login: the sign-in page's org button
 * ({@link SignInPage}) redirects to the IdP (state, nonce, PKCE), and {@code oauth2/oidc/<idp-id>/signin} redeems the
 * code over the back channel as a confidential client, verifies the ID token, optionally reads userinfo, finds or
 * creates the member, and returns an ArcGIS authorization code to the app.
 */
final class OrganizationSignIn {

    /** How long a trip to the IdP may take (assumed; Esri states none). */
    private static final int TRIP_SECONDS = 600;

    /** One trip to the IdP: bound to the app request, single use. */
    private record IdpTrip(AppRequest appRequest, String nonce, String codeVerifier, long expiresAt) { }

    private final ArcGisPortal portal;
    private final Map<String, IdpTrip> trips = new ConcurrentHashMap<>();

    OrganizationSignIn(ArcGisPortal portal) {
        this.portal = portal;
    }

    /** The org login button: off to the IdP's authorization endpoint. */
    void startAtProvider(HttpExchange exchange) throws IOException {
        AppRequest appRequest = portal.signInPage().take(Exchanges.query(exchange.getRequestURI()).get("request"));
        OidcLoginSettings login = portal.oidcLogin();
        if (appRequest == null || login == null) {
            SignInPage.expired(exchange);
            return;
        }
        String state = Exchanges.random(24);
        String nonce = Exchanges.random(24);
        String verifier = login.usePkce() ? Pkce.newVerifier() : null;
        trips.put(state, new IdpTrip(appRequest, nonce, verifier, TestbedClock.now() + TRIP_SECONDS));
        StringBuilder location = new StringBuilder(login.authorizationEndpoint())
                .append(login.authorizationEndpoint().contains("?") ? "&" : "?")
                .append("client_id=").append(Exchanges.encode(login.clientId()))
                .append("&response_type=code")
                .append("&scope=").append(Exchanges.encode(String.join(" ", login.scopes())))
                .append("&redirect_uri=").append(Exchanges.encode(portal.oidcRedirectUri()))
                .append("&state=").append(state)
                .append("&nonce=").append(nonce);
        if (verifier != null) {
            location.append("&code_challenge=").append(Pkce.s256(verifier)).append("&code_challenge_method=S256");
        }
        Exchanges.redirect(exchange, location.toString());
    }

    /** {@code oauth2/oidc/<idp-id>/signin}: the IdP's redirect back with the code. */
    void callback(HttpExchange exchange) throws IOException {
        Map<String, String> query = Exchanges.query(exchange.getRequestURI());
        IdpTrip trip = trips.remove(query.getOrDefault("state", ""));
        if (trip == null || trip.expiresAt() < TestbedClock.now()) {
            Exchanges.html(exchange, 400, "<h1 id=\"error\">Invalid state. The sign-in has expired or was tampered with.</h1>");
            return;
        }
        if (query.containsKey("error") || !query.containsKey("code")) {
            Exchanges.html(exchange, 400, "<h1 id=\"error\">Did not receive required parameter from the provider</h1>");
            return;
        }
        Member member;
        try {
            member = signIn(trip, query.get("code"));
        } catch (SignInException e) {
            Exchanges.html(exchange, 400, "<h1 id=\"error\">" + Exchanges.escapeHtml(e.getMessage()) + "</h1>");
            return;
        }
        portal.signInPage().signedIn(exchange, trip.appRequest(), member);
    }

    private Member signIn(IdpTrip trip, String code) {
        OidcLoginSettings login = portal.oidcLogin();
        JsonNode tokens = redeem(login, code, trip.codeVerifier());
        JsonNode claims = IdTokenVerifier.verify(text(tokens, "id_token"), login, trip.nonce());
        if (login.userInfoEndpoint() != null && !login.userInfoEndpoint().isBlank()) {
            claims = withUserInfo(claims, login, text(tokens, "access_token"));
        }
        String userId = text(claims, login.effectiveUserIdClaim());
        String username = text(claims, login.effectiveUsernameClaim());
        if (userId == null || username == null) {
            throw new SignInException("Did not receive required parameter from the provider (user identifier or username)");
        }
        return portal.directory().enterpriseMember(userId, username, text(claims, "name"), text(claims, "email"),
                login.joinAutomatically());
    }

    /** The back channel: ArcGIS is a confidential client and sends its secret in the form (assumption: client_secret_post). */
    private JsonNode redeem(OidcLoginSettings login, String code, String verifier) {
        StringBuilder form = new StringBuilder("grant_type=authorization_code")
                .append("&code=").append(Exchanges.encode(code))
                .append("&redirect_uri=").append(Exchanges.encode(portal.oidcRedirectUri()))
                .append("&client_id=").append(Exchanges.encode(login.clientId()))
                .append("&client_secret=").append(Exchanges.encode(login.clientSecret()));
        if (verifier != null) {
            form.append("&code_verifier=").append(verifier);
        }
        HttpResponse<String> response = post(login.tokenEndpoint(), form.toString(), null);
        JsonNode body = parse(response.body());
        if (response.statusCode() != 200 || text(body, "id_token") == null) {
            throw new SignInException("Did not receive required parameter from the provider");
        }
        return body;
    }

    private static JsonNode withUserInfo(JsonNode claims, OidcLoginSettings login, String accessToken) {
        if (accessToken == null) {
            throw new SignInException("Did not receive required parameter from the provider (access_token)");
        }
        HttpResponse<String> response = login.sendAccessTokenInHeader()
                ? get(login.userInfoEndpoint(), accessToken)
                // Assumption: without "send access token in header" the token travels in a form body (RFC 6750 §2.2).
                : post(login.userInfoEndpoint(), "access_token=" + Exchanges.encode(accessToken), null);
        JsonNode userInfo = parse(response.body());
        if (response.statusCode() != 200 || !claims.path("sub").asText().equals(userInfo.path("sub").asText())) {
            throw new SignInException("Did not receive required parameter from the provider (user profile)");
        }
        ObjectNode merged = (ObjectNode) claims.deepCopy();
        for (Iterator<Map.Entry<String, JsonNode>> fields = userInfo.properties().iterator(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            merged.set(field.getKey(), field.getValue());
        }
        return merged;
    }

    private static HttpResponse<String> post(String url, String form, String bearer) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(form));
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return send(request.build());
    }

    private static HttpResponse<String> get(String url, String bearer) {
        return send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + bearer).GET().build());
    }

    private static HttpResponse<String> send(HttpRequest request) {
        try {
            return ProviderDiscovery.HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new SignInException("Did not receive required parameter from the provider (unreachable)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SignInException("Interrupted");
        }
    }

    private static JsonNode parse(String body) {
        try {
            JsonNode node = ProviderDiscovery.JSON.readTree(body);
            return node == null ? ProviderDiscovery.JSON.createObjectNode() : node;
        } catch (IOException e) {
            return ProviderDiscovery.JSON.createObjectNode();
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() || value.asText().isBlank() ? null : value.asText();
    }
}
