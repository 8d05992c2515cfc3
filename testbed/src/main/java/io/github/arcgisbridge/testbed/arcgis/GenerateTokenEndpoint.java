package io.github.arcgisbridge.testbed.arcgis;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import com.sun.net.httpserver.HttpExchange;

import io.github.arcgisbridge.testbed.clock.TestbedClock;
import io.github.arcgisbridge.testbed.http.Exchanges;

/**
 * The portal's {@code generateToken} in its federation role (Esri, "Generate Token"): "The parameters token and
 * serverUrl are required to generate a server-token", the token being a portal token and {@code serverUrl} the
 * server's root or, as the ArcGIS Maps SDK for JavaScript sends it, any resource URL under it. Answers
 * {@code {token, expires (epoch ms), ssl}}. {@code f}, {@code request=getToken} and {@code referer} are accepted; the
 * server token is not bound to the referer. Username-and-password tokens are not emulated.
 */
final class GenerateTokenEndpoint {

    private final ArcGisPortal portal;

    GenerateTokenEndpoint(ArcGisPortal portal) {
        this.portal = portal;
    }

    void handle(HttpExchange exchange) throws IOException {
        portal.stats().generateTokenRequested();
        portal.fault(ArcGisPortal.Endpoint.GENERATE_TOKEN).serve(exchange, this::generate);
    }

    private void generate(HttpExchange exchange) throws IOException {
        if (!"POST".equals(exchange.getRequestMethod())) {
            portal.errors().postOnly(exchange);
            return;
        }
        Map<String, String> params = Exchanges.params(exchange);
        String portalToken = RequestToken.of(exchange, params);
        if (portalToken == null) {
            // The message a real portal gives (Esri/arcgis-rest-js#161).
            portal.errors().rest(exchange, 400, "Unable to generate token.",
                    List.of("Unable to get 'token' from the request or cookie, for server token."));
            return;
        }
        TokenStore.AccessGrant grant = portal.tokens().access(portalToken);
        if (grant == null) {
            portal.errors().invalidToken(exchange);
            return;
        }
        FederatedServer server = portal.federatedServer();
        String serverUrl = params.get("serverUrl");
        if (serverUrl == null || !server.covers(serverUrl)) {
            portal.errors().rest(exchange, 400, "Unable to generate token.",
                    List.of("Invalid serverUrl: not a server federated with this portal."));
            return;
        }
        Organization organization = grant.username() == null ? portal.directory().home()
                : portal.directory().organizationOf(portal.directory().byUsername(grant.username()));
        int minutes = TokenLifetimes.accessTokenMinutes(TokenLifetimes.requested(params.get("expiration")), organization);
        // Assumption: a server token does not outlive the portal token it was exchanged for.
        long expiresAt = Math.min(TestbedClock.now() + minutes * 60L, grant.expiresAt());
        String serverToken = portal.tokens().issueServerToken(server.root(), grant.username(), expiresAt);
        Exchanges.json(exchange, 200, Map.of("token", serverToken, "expires", expiresAt * 1000, "ssl", false));
    }
}
