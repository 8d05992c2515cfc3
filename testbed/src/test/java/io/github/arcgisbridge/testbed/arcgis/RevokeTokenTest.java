package io.github.arcgisbridge.testbed.arcgis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.github.arcgisbridge.testbed.http.Exchanges;

/**
 * {@code oauth2/revokeToken}: POST only; success also for unknown tokens; revoking a refresh token revokes the access
 * tokens generated from it; an app revokes only its own tokens ("Invalid client_id" otherwise).
 */
class RevokeTokenTest extends PortalTest {

    private Http.Reply signedIn;

    @BeforeEach
    void signIn() {
        signedIn = SignIns.arcGisLogin(portal, SignIns.ALICE_ARCGIS, SignIns.PASSWORD, null);
    }

    @Test
    void revokingAnAccessTokenLeavesTheRefreshToken() {
        assertSuccess(revoke(signedIn.text("access_token"), SignIns.APP, "access_token"));
        assertEquals(498, SignIns.self(portal, signedIn.text("access_token")).error().path("code").asInt());
        assertEquals(SignIns.ALICE_ARCGIS, SignIns.refresh(portal, signedIn.text("refresh_token")).text("username"));
        assertEquals(1, portal.revocations());
    }

    @Test
    void revokingARefreshTokenRevokesTheAccessTokensGeneratedFromIt() {
        String refreshed = SignIns.refresh(portal, signedIn.text("refresh_token")).text("access_token");
        assertSuccess(revoke(signedIn.text("refresh_token"), SignIns.APP, null));
        assertEquals(400, SignIns.refresh(portal, signedIn.text("refresh_token")).error().path("code").asInt());
        assertEquals(498, SignIns.self(portal, signedIn.text("access_token")).error().path("code").asInt());
        assertEquals(498, SignIns.self(portal, refreshed).error().path("code").asInt());
        assertEquals(1, portal.revocations());
    }

    @Test
    void unknownTokensGetSuccessButRevokeNothing() {
        assertSuccess(revoke("not-a-token", SignIns.APP, "refresh_token"));
        assertSuccess(revoke(signedIn.text("access_token"), SignIns.APP, null));
        assertSuccess(revoke(signedIn.text("access_token"), SignIns.APP, null));
        assertEquals(1, portal.revocations(), "only the first revocation of the token revoked something");
        assertEquals(3, Http.get(portal.baseUrl() + "/emulator/stats").body().path("revokeToken").asInt());
    }

    @Test
    void anotherAppsClientIdRevokesNothing() {
        portal.registerApp(new ArcGisPortal.App("other-app", null, Set.of("http://localhost:1/other")));
        Http.Reply refused = revoke(signedIn.text("refresh_token"), "other-app", null);
        assertEquals(200, refused.status());
        assertEquals(Map.of("code", 400, "message", "Invalid client_id", "details", List.of()),
                Exchanges.JSON.convertValue(refused.error(), Map.class));
        assertEquals(SignIns.ALICE_ARCGIS, SignIns.self(portal, signedIn.text("access_token")).text("username"));
        assertEquals(0, portal.revocations());
    }

    @Test
    void revokeTokenIsPostOnly() {
        Http.Reply get = Http.get(portal.sharingRest() + "/oauth2/revokeToken?client_id=" + SignIns.APP);
        assertEquals(405, get.error().path("code").asInt(), get.body().toString());
        assertEquals(SignIns.ALICE_ARCGIS, SignIns.self(portal, signedIn.text("access_token")).text("username"));
    }

    private Http.Reply revoke(String token, String clientId, String hint) {
        Map<String, String> form = new HashMap<>(Map.of("auth_token", token, "client_id", clientId, "f", "json"));
        if (hint != null) {
            form.put("token_type_hint", hint);
        }
        return Http.post(portal.sharingRest() + "/oauth2/revokeToken", form);
    }

    private static void assertSuccess(Http.Reply reply) {
        assertEquals(200, reply.status());
        assertTrue(reply.body().path("success").asBoolean(), reply.body().toString());
    }
}
