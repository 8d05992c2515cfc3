package io.github.arcgisbridge.testbed.arcgis;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.github.arcgisbridge.testbed.http.Exchanges;

/**
 * A page for watching the organisation sign-in in a real browser during the local run: {@code /app/} starts an
 * ArcGIS OAuth sign-in as app {@code demo-app}; {@code /app/callback} redeems the code at the portal's token
 * endpoint and shows the member ({@code community/self}) and how many features of the secured layer it can read.
 */
final class DemoApp {

    static final String CLIENT_ID = "demo-app";

    private final ArcGisPortal portal;

    private DemoApp(ArcGisPortal portal) {
        this.portal = portal;
    }

    static void mount(ArcGisPortal portal, HttpServer server) {
        DemoApp app = new DemoApp(portal);
        portal.registerApp(new ArcGisPortal.App(CLIENT_ID, null, Set.of(app.callbackUrl())));
        server.createContext("/app/", app::handle);
    }

    String startUrl() {
        return portal.baseUrl() + "/app/";
    }

    private String callbackUrl() {
        return portal.baseUrl() + "/app/callback";
    }

    private void handle(HttpExchange exchange) throws IOException {
        if (exchange.getRequestURI().getPath().endsWith("/callback")) {
            callback(exchange);
            return;
        }
        Exchanges.html(exchange, 200, "<h1>Demo app</h1><a id=\"sign-in\" href=\"" + portal.sharingRest()
                + "/oauth2/authorize?client_id=" + CLIENT_ID + "&response_type=code&redirect_uri="
                + Exchanges.encode(callbackUrl()) + "\">Sign in to ArcGIS</a>");
    }

    private void callback(HttpExchange exchange) throws IOException {
        String code = Exchanges.query(exchange.getRequestURI()).get("code");
        JsonNode token = call(HttpRequest.newBuilder(URI.create(portal.sharingRest() + "/oauth2/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("grant_type=authorization_code&client_id=" + CLIENT_ID
                        + "&code=" + Exchanges.encode(code == null ? "" : code) + "&redirect_uri=" + Exchanges.encode(callbackUrl())))
                .build());
        String accessToken = token.path("access_token").asText(null);
        if (accessToken == null) {
            Exchanges.html(exchange, 400, "<h1>Sign-in failed</h1><pre>" + Exchanges.escapeHtml(token.toString()) + "</pre>");
            return;
        }
        JsonNode self = call(HttpRequest.newBuilder(URI.create(portal.sharingRest() + "/community/self?f=json&token="
                + Exchanges.encode(accessToken))).build());
        JsonNode features = call(HttpRequest.newBuilder(URI.create(portal.featureLayerUrl() + "/query?f=json&where=1%3D1&token="
                + Exchanges.encode(accessToken))).build());
        Exchanges.html(exchange, 200, "<h1>Signed in to ArcGIS</h1><p id=\"member\">Member: "
                + Exchanges.escapeHtml(self.path("username").asText()) + " (IdP user id "
                + Exchanges.escapeHtml(self.path("idpUsername").asText()) + ")</p><p id=\"features\">Secured layer: "
                + features.path("features").size() + " features readable with the ArcGIS token.</p>"
                + "<p>Members of the organisation: " + Exchanges.escapeHtml(
                        portal.members().stream().map(Member::username).toList().toString()) + "</p>");
    }

    private static JsonNode call(HttpRequest request) {
        try {
            HttpResponse<String> response = ProviderDiscovery.HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            return ProviderDiscovery.JSON.readTree(response.body());
        } catch (IOException e) {
            return ProviderDiscovery.JSON.createObjectNode();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ProviderDiscovery.JSON.createObjectNode();
        }
    }
}
