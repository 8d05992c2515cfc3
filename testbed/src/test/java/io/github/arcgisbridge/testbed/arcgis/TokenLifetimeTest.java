package io.github.arcgisbridge.testbed.arcgis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.github.arcgisbridge.testbed.clock.TestbedClock;

/**
 * In the code flow the authorize request's {@code expiration} is the refresh token's lifetime (default two weeks, at
 * most 90 days, at most the organisation's limit, capped silently), while access tokens last 30 minutes; app tokens
 * last two hours. Expiry follows the testbed clock.
 */
class TokenLifetimeTest extends PortalTest {

    @Test
    void expirationSetsTheRefreshTokensLifetimeNotTheAccessTokens() {
        Http.Reply token = SignIns.arcGisLogin(portal, SignIns.ALICE_ARCGIS, SignIns.PASSWORD, 60);
        assertEquals(60, portal.lastRequestedExpiration());
        assertEquals(1800, token.body().path("expires_in").asInt(), token.body().toString());
        assertEquals(3600, token.body().path("refresh_token_expires_in").asInt());
        assertEquals(SignIns.ALICE_ARCGIS, token.text("username"));
        assertFalse(token.body().path("ssl").asBoolean(true));
    }

    @Test
    void withoutExpirationTheRefreshTokenLivesTwoWeeks() {
        Http.Reply token = SignIns.arcGisLogin(portal, SignIns.ALICE_ARCGIS, SignIns.PASSWORD, null);
        assertNull(portal.lastRequestedExpiration());
        assertEquals(20_160 * 60, token.body().path("refresh_token_expires_in").asInt());
    }

    @Test
    void moreThanNinetyDaysIsCappedSilently() {
        Http.Reply token = SignIns.arcGisLogin(portal, SignIns.ALICE_ARCGIS, SignIns.PASSWORD, 500_000);
        assertEquals(200, token.status());
        assertFalse(token.body().has("error"));
        assertEquals(500_000, portal.lastRequestedExpiration());
        assertEquals(129_600 * 60, token.body().path("refresh_token_expires_in").asInt());
    }

    @Test
    void theOrganisationsLimitCapsRefreshTokensAndAppTokensAndShowsInPortalsSelf() {
        portal.maxTokenExpirationMinutes(45);
        assertEquals(45, Http.get(portal.sharingRest() + "/portals/self?f=json").body().path("maxTokenExpirationMinutes").asInt());
        assertEquals(45 * 60, refreshTokenSeconds(null));
        assertEquals(45 * 60, refreshTokenSeconds(60));
        assertEquals(30 * 60, refreshTokenSeconds(30));
        assertEquals(45 * 60, appToken(null).body().path("expires_in").asInt());
    }

    @Test
    void appTokensLastTwoHoursByDefaultAndAtMostTwoWeeks() {
        assertEquals(7200, appToken(null).body().path("expires_in").asInt());
        assertEquals(600, appToken("10").body().path("expires_in").asInt());
        assertEquals(20_160 * 60, appToken("100000").body().path("expires_in").asInt());
    }

    @Test
    void accessTokensExpireAfterThirtyMinutesAndRefreshTokensAfterTheirLifetimeByTheTestbedClock() {
        Http.Reply token = SignIns.arcGisLogin(portal, SignIns.ALICE_ARCGIS, SignIns.PASSWORD, 60);
        String access = token.text("access_token");
        TestbedClock.advance(Duration.ofMinutes(29));
        assertEquals(SignIns.ALICE_ARCGIS, SignIns.self(portal, access).text("username"));
        TestbedClock.advance(Duration.ofMinutes(2));
        assertEquals(498, SignIns.self(portal, access).error().path("code").asInt());

        Http.Reply refreshed = SignIns.refresh(portal, token.text("refresh_token"));
        assertEquals(1800, refreshed.body().path("expires_in").asInt(), refreshed.body().toString());
        TestbedClock.advance(Duration.ofMinutes(30));
        Http.Reply expired = SignIns.refresh(portal, token.text("refresh_token"));
        assertEquals(498, expired.error().path("code").asInt(), expired.body().toString());
        assertEquals("refresh_token expired", expired.error().path("error_description").asText());
    }

    @Test
    void userTokenSecondsOnlyShortensMemberAccessTokens() {
        portal.userTokenSeconds(30);
        assertEquals(30, SignIns.arcGisLogin(portal, SignIns.ALICE_ARCGIS, SignIns.PASSWORD, null).body().path("expires_in").asInt());
        assertThrows(IllegalArgumentException.class, () -> portal.userTokenSeconds(3600));
    }

    private int refreshTokenSeconds(Integer expiration) {
        Http.Reply token = SignIns.arcGisLogin(portal, SignIns.ALICE_ARCGIS, SignIns.PASSWORD, expiration);
        return token.body().path("refresh_token_expires_in").asInt();
    }

    private Http.Reply appToken(String expiration) {
        Map<String, String> form = new HashMap<>(Map.of("grant_type", "client_credentials", "client_id", SignIns.APP,
                "client_secret", SignIns.APP_SECRET));
        if (expiration != null) {
            form.put("expiration", expiration);
        }
        return Http.post(portal.sharingRest() + "/oauth2/token", form);
    }
}
