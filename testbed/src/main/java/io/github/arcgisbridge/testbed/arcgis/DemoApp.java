package io.github.arcgisbridge.testbed.arcgis;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;

import io.github.arcgisbridge.testbed.http.Exchanges;

/**
 * A page for watching the organisation sign-in in a real browser during the local run: {@code /app/} starts an
 * ArcGIS OAuth sign-in as app {@code demo-app}; {@code /app/callback} redeems the code at the portal's token
 * endpoint and shows the member ({@code community/self}) and how many features of the secured layer it can read,
 * with a server token from {@code generateToken}, as the ArcGIS Maps SDK gets one. Tokens travel in headers and
 * bodies, never in URLs.
 */
final class DemoApp {

    static final String CLIENT_ID = "demo-app";

    private final ArcGisPortal portal;

    DemoApp(ArcGisPortal portal) {
        this.portal = portal;
    }

    /** A public app (no secret) whose redirect URI is this page's callback. */
    ArcGisPortal.App registration() {
        return new ArcGisPortal.App(CLIENT_ID, null, Set.of(callbackUrl()));
    }

    String startUrl() {
        return portal.deployment().host() + "/app/";
    }

    private String callbackUrl() {
        return startUrl() + "callback";
    }

    void handle(HttpExchange exchange) throws IOException {
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
        JsonNode token = post(portal.sharingRest() + "/oauth2/token", "grant_type=authorization_code&client_id=" + CLIENT_ID
                + "&code=" + Exchanges.encode(code == null ? "" : code) + "&redirect_uri=" + Exchanges.encode(callbackUrl()));
        String accessToken = token.path("access_token").asText(null);
        if (accessToken == null) {
            Exchanges.html(exchange, 400, "<h1>Sign-in failed</h1><pre>" + Exchanges.escapeHtml(token.toString()) + "</pre>");
            return;
        }
        JsonNode self = call(HttpRequest.newBuilder(URI.create(portal.sharingRest() + "/community/self?f=json"))
                .header("X-Esri-Authorization", "Bearer " + accessToken).build());
        String serverToken = post(portal.sharingRest() + "/generateToken", "f=json&request=getToken&token=" + Exchanges.encode(accessToken)
                + "&serverUrl=" + Exchanges.encode(portal.featureLayerUrl())).path("token").asText("");
        JsonNode features = call(HttpRequest.newBuilder(URI.create(portal.featureLayerUrl() + "/query?f=json&where=1%3D1"))
                .header("X-Esri-Authorization", "Bearer " + serverToken).build());
        Exchanges.html(exchange, 200, "<h1>Signed in to ArcGIS</h1><p id=\"member\">Member: "
                + Exchanges.escapeHtml(self.path("username").asText()) + " (IdP user id "
                + Exchanges.escapeHtml(self.path("idpUsername").asText()) + ")</p><p id=\"features\">Secured layer: "
                + features.path("features").size() + " features readable with a server token for the member.</p>"
                + "<p>Members of the organisation: " + Exchanges.escapeHtml(
                        portal.members().stream().map(Member::username).toList().toString()) + "</p>");
    }

    private static JsonNode post(String url, String form) {
        return call(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build());
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
