package io.github.arcgisbridge.testbed.arcgis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.github.arcgisbridge.testbed.clock.TestbedClock;

/**
 * ArcGIS Enterprise: the portal under {@code /portal}, a federated server under {@code /server} whose
 * {@code rest/info} names the portal as owner and its {@code generateToken} as token service, and a secured layer
 * there that takes only server tokens the portal issued for it.
 */
class EnterpriseTest {

    private ArcGisPortal portal;
    private String portalToken;

    @BeforeEach
    void start() throws IOException {
        portal = ArcGisPortal.startEnterprise(0, "Enterprise");
        SignIns.prepare(portal);
        portalToken = SignIns.arcGisLogin(portal, SignIns.ALICE_ARCGIS, SignIns.PASSWORD, null).text("access_token");
    }

    @AfterEach
    void stop() {
        portal.close();
        TestbedClock.reset();
    }

    @Test
    void thePortalLivesUnderItsContextAndTheServerBesideIt() {
        assertTrue(portal.isEnterprise());
        assertTrue(portal.baseUrl().matches("http://localhost:\\d+/portal"), portal.baseUrl());
        assertEquals(portal.baseUrl() + "/sharing/rest", portal.sharingRest());
        assertEquals(portal.baseUrl().replace("/portal", "/server"), portal.federatedServerUrl());
        assertEquals(portal.federatedServerUrl() + "/rest/services/Parcels/FeatureServer/0", portal.featureLayerUrl());
        JsonNode self = Http.get(portal.sharingRest() + "/portals/self?f=json").body();
        assertEquals("0123456789ABCDEF", self.path("id").asText(), self.toString());
        assertTrue(self.path("isPortal").asBoolean());
        assertEquals("singletenant", self.path("portalMode").asText());
        assertEquals(portal.baseUrl().replace("http://", ""), self.path("portalHostname").asText());
    }

    @Test
    void restInfoNamesThePortalAsOwnerAndItsTokenService() {
        Http.Reply info = Http.get(portal.federatedServerUrl() + "/rest/info?f=json", "Origin", "http://localhost:8081");
        assertEquals(portal.baseUrl(), info.text("owningSystemUrl"), info.body().toString());
        assertTrue(info.body().path("authInfo").path("isTokenBasedSecurity").asBoolean());
        assertEquals(portal.sharingRest() + "/generateToken", info.body().path("authInfo").path("tokenServicesUrl").asText());
        assertTrue(info.body().path("authInfo").path("shortLivedTokenValidity").asInt() > 0);
        assertTrue(info.body().path("currentVersion").asDouble() > 0);
        assertEquals("*", info.response().headers().firstValue("Access-Control-Allow-Origin").orElse(null));
    }

    @Test
    void theFederatedLayerTakesOnlyServerTokens() {
        Http.Reply withPortalToken = Http.get(portal.featureLayerUrl() + "/query?f=json", "X-Esri-Authorization", "Bearer " + portalToken);
        assertEquals(498, withPortalToken.error().path("code").asInt(), withPortalToken.body().toString());
        assertEquals(499, Http.get(portal.featureLayerUrl() + "/query?f=json").error().path("code").asInt());

        // As the ArcGIS Maps SDK for JavaScript asks: the full resource URL, request=getToken, a referer.
        Http.Reply server = generateToken(Map.of("token", portalToken, "serverUrl", portal.featureLayerUrl(), "f", "json",
                "request", "getToken", "referer", "http://localhost:8081"));
        String serverToken = server.text("token");
        assertNotNull(serverToken, server.body().toString());
        assertTrue(server.body().has("ssl"));
        long expires = server.body().path("expires").asLong();
        assertTrue(Math.abs(expires - (TestbedClock.now() + 1800) * 1000) <= 2000, "no longer than the portal token: " + expires);
        JsonNode features = Http.get(portal.featureLayerUrl() + "/query?f=json&where=1%3D1",
                "X-Esri-Authorization", "Bearer " + serverToken).body();
        assertEquals(portal.featureCount(), features.path("features").size(), features.toString());
        assertEquals(498, SignIns.self(portal, serverToken).error().path("code").asInt(), "a server token is no portal token");

        // As arcgis-rest-js asks: the server root.
        assertNotNull(generateToken(Map.of("token", portalToken, "serverUrl", portal.federatedServerUrl(), "f", "json")).text("token"));
        assertEquals(2, Http.get(portal.baseUrl().replace("/portal", "") + "/emulator/stats").body().path("generateToken").asInt());
        assertEquals(2, portal.generateTokenRequests());
    }

    @Test
    void serverTokensExpireByTheTestbedClock() {
        String serverToken = generateToken(Map.of("token", portalToken, "serverUrl", portal.federatedServerUrl(), "expiration", "10"))
                .text("token");
        String layer = portal.featureLayerUrl() + "?f=json";
        assertEquals("Parcels", Http.get(layer, "Authorization", "Bearer " + serverToken).text("name"));
        TestbedClock.advance(Duration.ofMinutes(11));
        assertEquals(498, Http.get(layer, "Authorization", "Bearer " + serverToken).error().path("code").asInt());
    }

    @Test
    void generateTokenRefusesMissingOrInvalidPortalTokensAndForeignServers() {
        Http.Reply missing = generateToken(Map.of("serverUrl", portal.federatedServerUrl(), "f", "json"));
        assertEquals(200, missing.status());
        assertEquals(400, missing.error().path("code").asInt(), missing.body().toString());
        assertEquals("Unable to generate token.", missing.error().path("message").asText());
        Http.Reply invalid = generateToken(Map.of("token", "nonsense", "serverUrl", portal.federatedServerUrl()));
        assertEquals(498, invalid.error().path("code").asInt());
        Http.Reply foreign = generateToken(Map.of("token", portalToken, "serverUrl", "https://elsewhere.example.com/server"));
        assertNull(foreign.text("token"), foreign.body().toString());
        assertEquals(400, foreign.error().path("code").asInt());
        Http.Reply get = Http.get(portal.sharingRest() + "/generateToken?f=json&serverUrl=" + Http.encode(portal.federatedServerUrl()));
        assertEquals(405, get.error().path("code").asInt());
    }

    @Test
    void browsersOnOtherOriginsMayCallEveryEndpointTheyUse() {
        String rest = portal.sharingRest();
        for (String url : new String[] {rest + "/generateToken", rest + "/portals/self", rest + "/community/self",
                rest + "/oauth2/token", rest + "/oauth2/revokeToken", rest + "/info", portal.federatedServerUrl() + "/rest/info",
                portal.featureLayerUrl() + "/query"}) {
            Http.Reply preflight = Http.send(HttpRequest.newBuilder(URI.create(url)).method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                    .header("Origin", "http://localhost:8081").header("Access-Control-Request-Method", "POST"));
            assertEquals(204, preflight.status(), url);
            assertEquals("*", preflight.response().headers().firstValue("Access-Control-Allow-Origin").orElse(null), url);
        }
    }

    @Test
    void onlineHostedLayersTakeThePortalTokenItself() throws IOException {
        try (ArcGisPortal online = ArcGisPortal.start(0, "online", "Online")) {
            SignIns.prepare(online);
            String token = SignIns.arcGisLogin(online, SignIns.ALICE_ARCGIS, SignIns.PASSWORD, null).text("access_token");
            assertNull(online.federatedServerUrl());
            assertEquals(online.baseUrl() + "/rest/services/Parcels/FeatureServer/0", online.featureLayerUrl());
            JsonNode features = Http.get(online.featureLayerUrl() + "/query?f=json", "X-Esri-Authorization", "Bearer " + token).body();
            assertEquals(online.featureCount(), features.path("features").size(), features.toString());
        }
    }

    private Http.Reply generateToken(Map<String, String> form) {
        return Http.post(portal.sharingRest() + "/generateToken", form);
    }
}
