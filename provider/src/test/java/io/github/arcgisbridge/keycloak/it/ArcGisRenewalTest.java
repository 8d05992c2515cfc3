package io.github.arcgisbridge.keycloak.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;

import io.github.arcgisbridge.testbed.arcgis.ArcGisPortal;
import io.github.arcgisbridge.testbed.http.Fault;
import io.github.arcgisbridge.testbed.identityserver.TestUser;

/**
 * Links that last for weeks, as Esri documents ArcGIS: in the authorization-code flow {@code expiration} is the refresh
 * token's lifetime (access tokens always last 30 minutes), and {@code exchange_refresh_token} returns a new access
 * token and a new refresh token together while invalidating the old ones. The organisation here lets refresh tokens
 * live two weeks, ArcGIS Online's ceiling; clocks move, lifetimes stay as ArcGIS sets them.
 */
@KeycloakIntegrationTest(config = BridgeServerConfig.class)
class ArcGisRenewalTest extends ArcGisRealmTest {

    private static final int TWO_WEEKS_MINUTES = 20_160;
    private static final Duration IDLE = Duration.ofDays(13);

    @BeforeEach
    void anOrganisationWithTwoWeekLinks() {
        portal.maxTokenExpirationMinutes(TWO_WEEKS_MINUTES);
    }

    @Test
    void linkingAsksForTheLongestLinkArcGisAllows() {
        accounts.linked();
        assertEquals(129_600, portal.lastRequestedExpiration(), "expiration sets the refresh token's lifetime: ask for ArcGIS's maximum");
    }

    @Test
    void aUserIdleForThirteenDaysTwiceStillGetsAWorkingTokenWithOneCallEachTimeAndNeverLinksAgain() {
        TestUser user = accounts.linked();
        int signIns = portal.tokenRequests("authorization_code");
        for (int fortnight = 0; fortnight < 2; fortnight++) {
            Clocks.advance(time, IDLE);
            int renewals = portal.tokenRequests("exchange_refresh_token");
            int refreshes = portal.tokenRequests("refresh_token");
            TokenEndpoint.Reply reply = accounts.exchangeForArcGisToken(user).post(realm.getBaseUrl());
            assertEquals(200, reply.status(), reply.toString());
            assertEquals(renewals + 1, portal.tokenRequests("exchange_refresh_token"), "the link is renewed");
            assertEquals(refreshes, portal.tokenRequests("refresh_token"), "with one call: the renewal brings the access token too");
            assertTrue(reply.body().get("expires_in").asLong() > 1700);
        }
        assertEquals(signIns, portal.tokenRequests("authorization_code"), "no second sign-in at ArcGIS");
    }

    @Test
    void anOrganisationWithShortLinksHasThemRenewedAtHalfTheirLife() {
        portal.maxTokenExpirationMinutes(60);
        TestUser user = accounts.linked();
        Clocks.advance(time, Duration.ofMinutes(31));
        int renewals = portal.tokenRequests("exchange_refresh_token");
        assertEquals(200, accounts.exchangeForArcGisToken(user).post(realm.getBaseUrl()).status());
        assertEquals(renewals + 1, portal.tokenRequests("exchange_refresh_token"));
        Clocks.advance(time, Duration.ofMinutes(45));
        assertEquals(200, accounts.exchangeForArcGisToken(user).post(realm.getBaseUrl()).status(), "past the first refresh token's end");
    }

    /** The renewal is one call; whatever goes wrong with it before ArcGIS processes it, the link still works afterwards. */
    @ParameterizedTest
    @EnumSource(value = Fault.class, names = {"HTTP_503", "GARBAGE", "MALFORMED_JSON", "WRONG_SHAPE", "SLOW"})
    void aRenewalThatFailsLeavesAUsableLink(Fault fault) {
        TestUser user = accounts.linked();
        Clocks.advance(time, IDLE);
        events.skipAll();
        RealmSnapshot before = RealmSnapshot.of(realm.admin());
        portal.fault(fault);
        TokenEndpoint.Reply during = accounts.exchangeForArcGisToken(user).post(realm.getBaseUrl());
        portal.fault(Fault.NONE);
        if (fault == Fault.SLOW) {
            // Slower than other calls may be, but a renewal is given the time: losing its answer would end the link.
            assertEquals(200, during.status(), during.toString());
        } else {
            Refusals.assertRefused(events, during, 503, "temporarily_unavailable", "arcgis_unavailable");
            assertEquals(before, RealmSnapshot.of(realm.admin()));
        }
        TokenEndpoint.Reply after = accounts.exchangeForArcGisToken(user).post(realm.getBaseUrl());
        assertEquals(200, after.status(), "the link still works: " + after);
    }

    /**
     * The one failure the protocol cannot recover from: ArcGIS processed the renewal (the old refresh token is dead)
     * and its answer never arrived (the new one is lost). The vault finds out with the old refresh token and tells the
     * app to link again; linking again works.
     */
    @Test
    void aRenewalWhoseAnswerIsLostAfterArcGisProcessedItEndsTheLinkVisiblyAndLinkingAgainWorks() {
        TestUser user = accounts.linked();
        Clocks.advance(time, IDLE);
        events.skipAll();
        portal.fault(ArcGisPortal.Endpoint.TOKEN, Fault.ANSWER_LOST);
        TokenEndpoint.Reply during = accounts.exchangeForArcGisToken(user).post(realm.getBaseUrl());
        portal.fault(ArcGisPortal.Endpoint.TOKEN, Fault.NONE);
        // While no answer comes back at all (the check with the old refresh token is lost too), the caller retries later.
        Refusals.assertRefused(events, during, 503, "temporarily_unavailable", "arcgis_unavailable");
        TokenEndpoint.Reply after = accounts.exchangeForArcGisToken(user).post(realm.getBaseUrl());
        Refusals.assertRefused(events, after, 400, "not_linked", "arcgis_authorization_invalid");
        assertNotNull(after.text("account-link-url"));
        assertTrue(accounts.link(user, ArcGisAccounts.ORGANIZATION_LOGIN).url().startsWith(ArcGisAccounts.APP));
        assertEquals(200, accounts.exchangeForArcGisToken(user).post(realm.getBaseUrl()).status());
    }
}
