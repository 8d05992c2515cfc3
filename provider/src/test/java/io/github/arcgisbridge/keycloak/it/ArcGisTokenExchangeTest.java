package io.github.arcgisbridge.keycloak.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.keycloak.representations.idm.RoleRepresentation;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;

import io.github.arcgisbridge.testbed.http.Fault;
import io.github.arcgisbridge.testbed.identityserver.TestUser;
import io.github.arcgisbridge.testbed.identityserver.TokenSpec;

/**
 * The user's own ArcGIS token through the exchange: not linked yet, then tokens from the vault (cached, replaced
 * near expiry or when the app reports them refused, one ArcGIS call for many requests), ArcGIS down, slow or
 * answering garbage, a revoked authorization, public clients, and the app-credential mode. Every test has a user of
 * its own (see {@link ArcGisAccounts}), so each runs alone.
 */
@KeycloakIntegrationTest(config = BridgeServerConfig.class)
class ArcGisTokenExchangeTest extends ArcGisRealmTest {

    /** A 30-minute ArcGIS token with 29 minutes gone is within the vault's 2-minute refresh margin. */
    private static final Duration NEAR_EXPIRY = Duration.ofMinutes(29);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void anUnlinkedUserIsToldToLinkOnceAndNothingChanges() {
        TestUser user = accounts.unlinked();
        events.skipAll();
        RealmSnapshot before = RealmSnapshot.of(realm.admin());
        TokenEndpoint.Reply reply = accounts.exchangeForArcGisToken(user).post(realm.getBaseUrl());
        Refusals.assertRefused(events, reply, 400, "not_linked", "arcgis_not_linked");
        String linkUrl = reply.text("account-link-url");
        assertTrue(linkUrl.startsWith(realm.getBaseUrl() + "/protocol/openid-connect/auth?"), linkUrl);
        assertTrue(linkUrl.contains("kc_action=idp_link%3Aarcgis") || linkUrl.contains("kc_action=idp_link:arcgis"), linkUrl);
        assertEquals(before, RealmSnapshot.of(realm.admin()));
    }

    @Test
    void theExchangeReturnsTheUsersArcGisTokenReadyForRegisterToken() {
        TestUser user = accounts.linked();
        int calls = portal.tokenRequests("refresh_token") + portal.tokenRequests("exchange_refresh_token");
        TokenEndpoint.Reply reply = accounts.exchangeForArcGisToken(user).post(realm.getBaseUrl());
        assertEquals(200, reply.status(), reply.toString());
        assertEquals("urn:ietf:params:oauth:token-type:access_token", reply.text("issued_token_type"));
        assertEquals(accounts.arcgisUsername(user), reply.text("userId"));
        assertEquals(portal.sharingRest(), reply.text("server"));
        assertEquals("false", reply.text("ssl"));
        assertEquals("user", reply.text("arcgis_token_kind"));
        long expires = reply.body().get("expires").asLong();
        assertTrue(Math.abs(expires - (System.currentTimeMillis() + reply.body().get("expires_in").asLong() * 1000)) < 5000);
        assertTrue(reply.body().get("expires_in").asLong() <= 1800, "ArcGIS user tokens last 30 minutes");
        assertEquals(portal.featureCount(), query(reply.text("access_token")).path("features").size(), "the token reads the secured layer");
        assertEquals(calls, portal.tokenRequests("refresh_token") + portal.tokenRequests("exchange_refresh_token"),
                "the token from linking is still fresh");

        TokenEndpoint.Reply byResource = TokenEndpoint.exchange(issuer.accessToken(TokenSpec.forUser(user)), TokenEndpoint.ACCESS_TOKEN)
                .add("resource", portal.sharingRest()).post(realm.getBaseUrl());
        assertEquals(reply.text("access_token"), byResource.text("access_token"), "the resource the indicators map to 'arcgis' asks for it too");
    }

    @Test
    void aCachedTokenIsServedWithoutCallingArcGis() {
        TestUser user = accounts.linked();
        int calls = arcgisTokenCalls();
        String first = accounts.exchangeForArcGisToken(user).post(realm.getBaseUrl()).text("access_token");
        for (int i = 0; i < 10; i++) {
            assertEquals(first, accounts.exchangeForArcGisToken(user).post(realm.getBaseUrl()).text("access_token"));
        }
        assertEquals(calls, arcgisTokenCalls());
    }

    @Test
    void nearItsExpiryTheTokenIsReplacedWithOneCallAndTheNewOneCached() {
        TestUser user = accounts.linked();
        String old = accounts.exchangeForArcGisToken(user).post(realm.getBaseUrl()).text("access_token");
        int refreshes = portal.tokenRequests("refresh_token");
        Clocks.advance(time, NEAR_EXPIRY);
        String fresh = accounts.exchangeForArcGisToken(user).post(realm.getBaseUrl()).text("access_token");
        assertNotEquals(old, fresh);
        assertEquals(refreshes + 1, portal.tokenRequests("refresh_token"));
        assertEquals(fresh, accounts.exchangeForArcGisToken(user).post(realm.getBaseUrl()).text("access_token"), "cached");
        assertEquals(refreshes + 1, portal.tokenRequests("refresh_token"));
        assertEquals(portal.featureCount(), query(fresh).path("features").size());
    }

    @Test
    void aTokenTheAppReportsRefusedIsReplacedOnceAndOnlyIfItIsTheStoredOne() {
        TestUser user = accounts.linked();
        String current = accounts.exchangeForArcGisToken(user).post(realm.getBaseUrl()).text("access_token");
        int calls = arcgisTokenCalls();

        String replacement = accounts.exchangeForArcGisToken(user).add("refused_token", current).post(realm.getBaseUrl()).text("access_token");
        assertNotEquals(current, replacement);
        assertEquals(calls + 1, arcgisTokenCalls(), "one call replaces the refused token");

        // The same report again (another tab, a retry) names a token that is no longer the stored one: no call.
        assertEquals(replacement, accounts.exchangeForArcGisToken(user).add("refused_token", current).post(realm.getBaseUrl()).text("access_token"));
        // A report naming a token the vault never had changes nothing either: no way to make the vault call ArcGIS at will.
        assertEquals(replacement, accounts.exchangeForArcGisToken(user).add("refused_token", "forged").post(realm.getBaseUrl()).text("access_token"));
        assertEquals(calls + 1, arcgisTokenCalls());
    }

    @Test
    void twentyConcurrentExchangesThatNeedANewTokenCauseOneCall() {
        TestUser user = accounts.linked();
        Clocks.advance(time, NEAR_EXPIRY);
        int refreshes = portal.tokenRequests("refresh_token");
        List<TokenEndpoint.Reply> replies = Concurrently.send(20, 20, () -> accounts.exchangeForArcGisToken(user).post(realm.getBaseUrl()));
        for (TokenEndpoint.Reply reply : replies) {
            assertEquals(200, reply.status(), reply.toString());
            assertEquals(replies.get(0).text("access_token"), reply.text("access_token"), "all share the one new token");
        }
        assertEquals(refreshes + 1, portal.tokenRequests("refresh_token"));
    }

    @ParameterizedTest
    @EnumSource(value = Fault.class, names = {"HTTP_503", "SLOW", "GARBAGE", "MALFORMED_JSON", "WRONG_SHAPE"})
    void arcGisMisbehavingIsTemporarilyUnavailableHoldsUpNoOneAndLosesNothing(Fault fault) {
        TestUser user = accounts.linked();
        Clocks.advance(time, NEAR_EXPIRY);
        events.skipAll();
        RealmSnapshot before = RealmSnapshot.of(realm.admin());
        int refreshes = portal.tokenRequests("refresh_token");
        portal.fault(fault);
        AlongsideSlowRequest.Outcome outcome = AlongsideSlowRequest.run(() -> accounts.exchangeForArcGisToken(user).post(realm.getBaseUrl()),
                () -> TokenEndpoint.exchangeForArcgis(issuer.accessToken(TokenSpec.forUser(user))).post(realm.getBaseUrl()), 10);
        assertEquals(503, outcome.slow().status(), outcome.slow().toString());
        assertEquals("temporarily_unavailable", outcome.slow().text("error"));
        assertNotNull(outcome.slow().header("Retry-After"), "a 503 says when to try again");
        assertTrue(outcome.slowMillis() < Fault.SLOW_DELAY_MILLIS, "bounded by the timeout: " + outcome.slowMillis() + " ms");
        outcome.others().forEach(reply -> assertEquals(200, reply.status(), reply.toString()));
        Refusals.assertRefusedAmongOthers(events, outcome.slow(), 503, "temporarily_unavailable", "arcgis_unavailable");
        portal.fault(Fault.NONE);
        assertEquals(refreshes + 1, portal.tokenRequests("refresh_token"), "one attempt, no retry storm");
        assertEquals(before, RealmSnapshot.of(realm.admin()));
        TokenEndpoint.Reply after = accounts.exchangeForArcGisToken(user).post(realm.getBaseUrl());
        assertEquals(200, after.status(), "the stored refresh token survived: " + after);
    }

    @Test
    void aRevokedAuthorizationIsNotLinkedWithTheLinkingUrlAndChangesNothing() {
        TestUser user = accounts.linked();
        String refused = accounts.exchangeForArcGisToken(user).post(realm.getBaseUrl()).text("access_token");
        portal.revokeRefreshTokens(accounts.arcgisUsername(user));
        events.skipAll();
        RealmSnapshot before = RealmSnapshot.of(realm.admin());
        TokenEndpoint.Reply reply = accounts.exchangeForArcGisToken(user).add("refused_token", refused).post(realm.getBaseUrl());
        Refusals.assertRefused(events, reply, 400, "not_linked", "arcgis_authorization_invalid");
        assertNotNull(reply.text("account-link-url"));
        assertEquals(before, RealmSnapshot.of(realm.admin()));
    }

    @Test
    void publicClientsGetTheUsersArcGisTokenOnlyWhenAnAdministratorOptsThemIn() {
        TestUser user = accounts.linked();
        TokenEndpoint.Form fromTheBrowser = TokenEndpoint.exchange(issuer.accessToken(TokenSpec.forUser(user)), TokenEndpoint.ACCESS_TOKEN)
                .client("map-web", null).add("requested_issuer", "arcgis");
        events.skipAll();
        Refusals.assertRefused(events, fromTheBrowser.post(realm.getBaseUrl()), 400, "invalid_target", "audience_not_permitted");
        ProviderSettings.with(realm, "identityserver4", Map.of("exchangePermissions", "map-app=arcgis-online,arcgis##map-web=arcgis-online,arcgis"), () -> {
            Refusals.assertRefused(events, fromTheBrowser.post(realm.getBaseUrl()), 400, "unauthorized_client", "arcgis_token_not_for_public_client");
            ProviderSettings.with(realm, "arcgis", Map.of("publicClients", "map-web"), () ->
                    assertEquals(200, fromTheBrowser.post(realm.getBaseUrl()).status()));
        });
    }

    @Test
    void appCredentialModeGivesTheAppTokenOnlyToUsersWithTheRole() {
        TestUser user = accounts.unlinked();
        assertEquals("not_linked", accounts.exchangeForArcGisToken(user).post(realm.getBaseUrl()).text("error"), "mode off");

        ProviderSettings.with(realm, "arcgis", Map.of("appCredentialMode", "true"), () -> {
            assertEquals("not_linked", accounts.exchangeForArcGisToken(user).post(realm.getBaseUrl()).text("error"), "no role");
            RoleRepresentation viewer = realm.admin().roles().get("arcgis-app-viewer").toRepresentation();
            realm.admin().users().get(accounts.keycloakUser(user).getId()).roles().realmLevel().add(List.of(viewer));
            ProviderSettings.with(realm, "arcgis", Map.of("clientSecret", "not-the-app-secret"), () -> {
                events.skipAll();
                Refusals.assertRefused(events, accounts.exchangeForArcGisToken(user).post(realm.getBaseUrl()), 503, "temporarily_unavailable",
                        "arcgis_app_credentials_refused");
            });
            int appGrants = portal.tokenRequests("client_credentials");
            TokenEndpoint.Reply reply = accounts.exchangeForArcGisToken(user).post(realm.getBaseUrl());
            assertEquals(200, reply.status(), reply.toString());
            assertEquals("app", reply.text("arcgis_token_kind"));
            assertFalse(reply.body().has("userId"), "an app token names no user");
            assertEquals(portal.featureCount(), query(reply.text("access_token")).path("features").size());
            assertEquals(reply.text("access_token"), accounts.exchangeForArcGisToken(user).post(realm.getBaseUrl()).text("access_token"), "cached");
            assertTrue(portal.tokenRequests("client_credentials") <= appGrants + 1, "at most one app grant (another test may have cached it)");
        });
    }

    private int arcgisTokenCalls() {
        return portal.tokenRequests("refresh_token") + portal.tokenRequests("exchange_refresh_token");
    }

    private JsonNode query(String token) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(portal.featureLayerUrl() + "/query?f=json&where=1%3D1"))
                    .header("X-Esri-Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(response.body());
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
