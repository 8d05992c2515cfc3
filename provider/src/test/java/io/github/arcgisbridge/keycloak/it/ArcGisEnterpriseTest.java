package io.github.arcgisbridge.keycloak.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.keycloak.testframework.annotations.InjectRealm;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.keycloak.testframework.realm.ManagedRealm;

import io.github.arcgisbridge.testbed.InProcessUpstreams;
import io.github.arcgisbridge.testbed.arcgis.ArcGisPortal;
import io.github.arcgisbridge.testbed.identityserver.TestUser;

/**
 * ArcGIS Enterprise: the portal under a context path ({@code /portal/sharing/rest}), content on a federated ArcGIS
 * Server that accepts only server tokens. The user's portal token from the exchange is what a client trades at the
 * portal's {@code generateToken} for a server token, as @arcgis/core does on its own when it reads the server's
 * {@code owningSystemUrl}; the browser test of the example app proves the same with the real SDK.
 */
@KeycloakIntegrationTest(config = BridgeServerConfig.class)
class ArcGisEnterpriseTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @InjectRealm(config = ArcgisEnterpriseRealmConfig.class)
    ManagedRealm realm;

    private final ArcGisPortal portal = InProcessUpstreams.enterprisePortal();
    private ArcGisAccounts accounts;

    @BeforeEach
    void portalTrustsKeycloak() {
        accounts = new ArcGisAccounts(realm, portal).portalTrustsKeycloak();
    }

    @Test
    void thePortalTokenFromTheExchangeOpensTheFederatedServerThroughGenerateToken() {
        TestUser user = accounts.linked();
        TokenEndpoint.Reply reply = accounts.exchangeForArcGisToken(user).post(realm.getBaseUrl());
        assertEquals(200, reply.status(), reply.toString());
        assertEquals(portal.sharingRest(), reply.text("server"));
        assertEquals(portal.baseUrl(), serverInfo().path("owningSystemUrl").asText(), "the server names the portal that owns it");

        String portalToken = reply.text("access_token");
        assertEquals(498, query(portalToken).path("error").path("code").asInt(), "the federated server takes no portal token");
        JsonNode serverToken = post(portal.sharingRest() + "/generateToken", "f=json&request=getToken&token=" + encode(portalToken)
                + "&serverUrl=" + encode(portal.featureLayerUrl()));
        assertEquals(portal.featureCount(), query(serverToken.path("token").asText()).path("features").size(), serverToken.toString());
    }

    private JsonNode serverInfo() {
        return send(HttpRequest.newBuilder(URI.create(portal.federatedServerUrl() + "/rest/info?f=json")).GET().build());
    }

    private JsonNode query(String token) {
        return post(portal.featureLayerUrl() + "/query", "f=json&where=1%3D1&token=" + encode(token));
    }

    private static JsonNode post(String url, String form) {
        return send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)).build());
    }

    private static JsonNode send(HttpRequest request) {
        try {
            return JSON.readTree(HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body());
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
