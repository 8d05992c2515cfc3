package io.github.arcgisbridge.testbed.arcgis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.github.arcgisbridge.testbed.http.Fault;

/**
 * Faults per endpoint; {@link Fault#ANSWER_LOST} processes the request and then drops the connection, so the client
 * learns nothing while the portal's state has changed. (The JDK client never retries a POST, so the loss shows.)
 */
class FaultTest extends PortalTest {

    private Http.Reply signedIn;

    @BeforeEach
    void signIn() {
        signedIn = SignIns.arcGisLogin(portal, SignIns.ALICE_ARCGIS, SignIns.PASSWORD, null);
    }

    @Test
    void aLostExchangeRefreshTokenAnswerStillInvalidatedTheOldTokens() {
        portal.fault(ArcGisPortal.Endpoint.TOKEN, Fault.ANSWER_LOST);
        assertThrows(UncheckedIOException.class, () -> SignIns.exchangeRefresh(portal, signedIn.text("refresh_token"), SignIns.REDIRECT));
        portal.fault(ArcGisPortal.Endpoint.TOKEN, Fault.NONE);
        assertEquals(1, portal.tokenRequests("exchange_refresh_token"));
        assertEquals(400, SignIns.refresh(portal, signedIn.text("refresh_token")).error().path("code").asInt(),
                "processed: the old one is gone");
        assertEquals(498, SignIns.self(portal, signedIn.text("access_token")).error().path("code").asInt());
    }

    @Test
    void aLostRevokeTokenAnswerStillRevoked() {
        portal.fault(ArcGisPortal.Endpoint.REVOKE_TOKEN, Fault.ANSWER_LOST);
        assertThrows(UncheckedIOException.class, () -> Http.post(portal.sharingRest() + "/oauth2/revokeToken",
                Map.of("auth_token", signedIn.text("refresh_token"), "client_id", SignIns.APP)));
        assertEquals(1, portal.revocations());
        assertEquals(498, SignIns.self(portal, signedIn.text("access_token")).error().path("code").asInt());
    }

    @Test
    void theShortFormFaultsTheTokenEndpointAndCommunitySelfOnly() {
        portal.fault(Fault.HTTP_503);
        assertEquals(503, SignIns.refresh(portal, signedIn.text("refresh_token")).status());
        assertEquals(503, SignIns.self(portal, signedIn.text("access_token")).status());
        assertEquals(200, Http.get(portal.sharingRest() + "/portals/self?f=json").status());
        assertEquals(1, portal.tokenRequests("refresh_token"), "a faulted request is still counted");
        portal.fault(Fault.NONE);
        assertEquals(SignIns.ALICE_ARCGIS, SignIns.refresh(portal, signedIn.text("refresh_token")).text("username"));
    }

    @Test
    void eachEndpointCanBeFaultedAlone() {
        portal.fault(ArcGisPortal.Endpoint.PORTALS_SELF, Fault.GARBAGE);
        portal.fault(ArcGisPortal.Endpoint.GENERATE_TOKEN, Fault.HTTP_503);
        assertThrows(UncheckedIOException.class, () -> Http.get(portal.sharingRest() + "/portals/self?f=json"), "HTML is no JSON");
        assertEquals(503, Http.post(portal.sharingRest() + "/generateToken", Map.of("token", signedIn.text("access_token"),
                "serverUrl", portal.featureLayerUrl())).status());
        assertEquals(SignIns.ALICE_ARCGIS, SignIns.self(portal, signedIn.text("access_token")).text("username"));
        assertEquals(1, portal.generateTokenRequests());
    }

    @Test
    void statsKeepTheirKeysAndTimeEachGrant() {
        SignIns.refresh(portal, signedIn.text("refresh_token"));
        JsonNode stats = Http.get(portal.baseUrl() + "/emulator/stats").body();
        for (String key : new String[] {"authorization_code", "refresh_token", "exchange_refresh_token", "client_credentials",
                "featureQueries", "revokeToken", "generateToken", "tokensInUrl"}) {
            assertTrue(stats.has(key), key + " in " + stats);
        }
        assertEquals(1, stats.path("authorization_code").asInt());
        JsonNode refresh = stats.path("tokenEndpointMillis").path("refresh_token");
        assertEquals(1, refresh.path("count").asInt(), stats.toString());
        assertTrue(refresh.path("totalMillis").asDouble() > 0);
    }
}
