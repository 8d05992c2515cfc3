package io.github.arcgisbridge.keycloak.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.function.IntSupplier;

import org.junit.jupiter.api.Test;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;

import io.github.arcgisbridge.testbed.arcgis.ArcGisPortal;
import io.github.arcgisbridge.testbed.browser.Browser;
import io.github.arcgisbridge.testbed.http.Fault;
import io.github.arcgisbridge.testbed.identityserver.TestUser;

/**
 * The link's life at ArcGIS: the "beside" deployment (ArcGIS's login stays on IdentityServer4) links like the "in
 * front" one, and Keycloak tells ArcGIS to forget an authorization whenever it forgets it: an unlink in the admin
 * console, a user deletion, a replaced link, with ArcGIS down or not. Refused links are in {@link AttackSuiteTest}.
 */
@KeycloakIntegrationTest(config = BridgeServerConfig.class)
class ArcGisLinkTest extends ArcGisRealmTest {

    private static final Duration REVOCATION_WAIT = Duration.ofSeconds(20);

    @Test
    void besideIdentityServer4TheLinkPassesThroughArcGisSignInStraightToIdentityServer4() {
        accounts.portalTrustsIdentityServer4();
        TestUser user = accounts.linked();
        TokenEndpoint.Reply reply = accounts.exchangeForArcGisToken(user).post(realm.getBaseUrl());
        assertEquals(200, reply.status(), reply.toString());
        assertEquals(accounts.arcgisUsername(user), reply.text("userId"));
    }

    @Test
    void unlinkingInTheAdminConsoleRevokesTheAuthorizationAtArcGis() {
        TestUser user = accounts.linked();
        int revoked = portal.revocations();
        realm.admin().users().get(accounts.keycloakUser(user).getId()).removeFederatedIdentity("arcgis");
        awaitRevocations(revoked + 1);
        assertEquals("not_linked", accounts.exchangeForArcGisToken(user).post(realm.getBaseUrl()).text("error"));
    }

    @Test
    void deletingTheUserRevokesTheAuthorizationAtArcGis() {
        TestUser user = accounts.linked();
        int revoked = portal.revocations();
        realm.admin().users().get(accounts.keycloakUser(user).getId()).remove();
        awaitRevocations(revoked + 1);
    }

    @Test
    void anUnlinkWhileArcGisIsDownIsNotHeldUpAndArcGisForgetsTheAuthorizationOnceItIsBack() {
        TestUser user = accounts.linked();
        int revoked = portal.revocations();
        portal.fault(ArcGisPortal.Endpoint.REVOKE_TOKEN, Fault.HTTP_503);
        long started = System.nanoTime();
        realm.admin().users().get(accounts.keycloakUser(user).getId()).removeFederatedIdentity("arcgis");
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertTrue(millis < 2_000, "the admin action does not wait for ArcGIS: " + millis + " ms");
        assertNull(accounts.link(user), "unlinked in Keycloak at once");
        assertEquals(revoked, portal.revocations());
        portal.fault(ArcGisPortal.Endpoint.REVOKE_TOKEN, Fault.NONE);
        awaitRevocations(revoked + 1);
    }

    @Test
    void linkingAgainRevokesTheReplacedAuthorization() {
        TestUser user = accounts.linked();
        int revoked = portal.revocations();
        Browser.Page relinked = accounts.relink(user);
        assertTrue(relinked.url().startsWith(ArcGisAccounts.APP), relinked.url());
        awaitRevocations(revoked + 1);
        assertEquals(200, accounts.exchangeForArcGisToken(user).post(realm.getBaseUrl()).status(), "the new authorization works");
    }

    private void awaitRevocations(int expected) {
        await(portal::revocations, expected);
    }

    private static void await(IntSupplier actual, int expected) {
        long deadline = System.nanoTime() + REVOCATION_WAIT.toNanos();
        while (actual.getAsInt() < expected && System.nanoTime() < deadline) {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        assertEquals(expected, actual.getAsInt(), "revocations at ArcGIS");
    }
}
