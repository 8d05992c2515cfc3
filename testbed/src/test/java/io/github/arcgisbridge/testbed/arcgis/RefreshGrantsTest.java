package io.github.arcgisbridge.testbed.arcgis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.time.Duration;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.github.arcgisbridge.testbed.clock.TestbedClock;

/**
 * {@code refresh_token} gives a new access token only; {@code exchange_refresh_token} (redirect URI required, equal to
 * the authorization's) gives a new access token and a new refresh token as long-lived as the old one, and the old
 * refresh token and every access token obtained with it stop working.
 */
class RefreshGrantsTest extends PortalTest {

    private Http.Reply signedIn;

    @BeforeEach
    void signIn() {
        signedIn = SignIns.arcGisLogin(portal, SignIns.ALICE_ARCGIS, SignIns.PASSWORD, 7 * 24 * 60);
    }

    @Test
    void refreshTokenGrantGivesAnAccessTokenButNoRefreshToken() {
        Http.Reply refreshed = SignIns.refresh(portal, signedIn.text("refresh_token"));
        assertNotNull(refreshed.text("access_token"), refreshed.body().toString());
        assertEquals(1800, refreshed.body().path("expires_in").asInt());
        assertEquals(SignIns.ALICE_ARCGIS, refreshed.text("username"));
        assertFalse(refreshed.body().has("refresh_token"));
        assertFalse(refreshed.body().has("refresh_token_expires_in"));
        assertEquals(SignIns.ALICE_ARCGIS, SignIns.self(portal, refreshed.text("access_token")).text("username"));
        assertEquals(SignIns.ALICE_ARCGIS, SignIns.self(portal, signedIn.text("access_token")).text("username"),
                "the first one still works");
        assertEquals(1, portal.tokenRequests("refresh_token"));
    }

    @Test
    void exchangeRefreshTokenRequiresTheAuthorizationsRedirectUri() {
        Http.Reply missing = SignIns.exchangeRefresh(portal, signedIn.text("refresh_token"), null);
        assertEquals(400, missing.error().path("code").asInt(), missing.body().toString());
        assertEquals("invalid_request", missing.error().path("error").asText());
        Http.Reply other = SignIns.exchangeRefresh(portal, signedIn.text("refresh_token"), "http://localhost:1/elsewhere");
        assertEquals(400, other.error().path("code").asInt(), other.body().toString());
        assertEquals(SignIns.ALICE_ARCGIS, SignIns.self(portal, signedIn.text("access_token")).text("username"),
                "a refused exchange changes nothing");
        assertNotNull(SignIns.refresh(portal, signedIn.text("refresh_token")).text("access_token"));
    }

    @Test
    void exchangeRefreshTokenInvalidatesTheOldRefreshTokenAndEveryAccessTokenObtainedWithIt() {
        String fromRefresh = SignIns.refresh(portal, signedIn.text("refresh_token")).text("access_token");
        TestbedClock.advance(Duration.ofDays(2));
        String stillValid = SignIns.refresh(portal, signedIn.text("refresh_token")).text("access_token");

        Http.Reply exchanged = SignIns.exchangeRefresh(portal, signedIn.text("refresh_token"), SignIns.REDIRECT);
        assertNotNull(exchanged.text("access_token"), exchanged.body().toString());
        assertEquals(1800, exchanged.body().path("expires_in").asInt());
        assertNotEquals(signedIn.text("refresh_token"), exchanged.text("refresh_token"));
        assertEquals(7 * 24 * 3600, exchanged.body().path("refresh_token_expires_in").asInt(), "the old lifetime, counted from now");

        for (String old : new String[] {signedIn.text("access_token"), fromRefresh, stillValid}) {
            assertEquals(498, SignIns.self(portal, old).error().path("code").asInt(), "access tokens of the old refresh token are invalid");
        }
        Http.Reply reused = SignIns.refresh(portal, signedIn.text("refresh_token"));
        assertEquals(400, reused.error().path("code").asInt(), reused.body().toString());
        assertEquals(400, SignIns.exchangeRefresh(portal, signedIn.text("refresh_token"), SignIns.REDIRECT).error().path("code").asInt());

        assertEquals(SignIns.ALICE_ARCGIS, SignIns.self(portal, exchanged.text("access_token")).text("username"));
        TestbedClock.advance(Duration.ofDays(6));
        assertNotNull(SignIns.refresh(portal, exchanged.text("refresh_token")).text("access_token"),
                "the new one outlives the old one's end");
        TestbedClock.advance(Duration.ofDays(1).plusMinutes(1));
        assertEquals(498, SignIns.refresh(portal, exchanged.text("refresh_token")).error().path("code").asInt());
        assertEquals(2, portal.tokenRequests("exchange_refresh_token"), "every attempt is counted");
    }
}
