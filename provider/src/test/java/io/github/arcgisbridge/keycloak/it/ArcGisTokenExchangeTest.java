package io.github.arcgisbridge.keycloak.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.keycloak.representations.idm.FederatedIdentityRepresentation;
import org.keycloak.representations.idm.RoleRepresentation;
import org.keycloak.representations.idm.UserRepresentation;
import org.keycloak.testframework.annotations.InjectRealm;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.keycloak.testframework.realm.ManagedRealm;

import io.github.arcgisbridge.testbed.arcgis.ArcGisPortal;
import io.github.arcgisbridge.testbed.arcgis.OidcLoginSettings;
import io.github.arcgisbridge.testbed.arcgis.ProviderDiscovery;
import io.github.arcgisbridge.testbed.http.Fault;
import io.github.arcgisbridge.testbed.identityserver.IdentityServer4Issuer;
import io.github.arcgisbridge.testbed.identityserver.TestUser;
import io.github.arcgisbridge.testbed.identityserver.TokenSpec;

/**
 * The user's own ArcGIS token through the exchange, in the order a deployment lives it: not linked yet, linked once
 * through ArcGIS's sign-in, then tokens from the vault (cached, refreshed near expiry, the link extended), one
 * refresh for 20 concurrent requests, ArcGIS down, slow or answering garbage (the fault suite's ArcGIS part), a
 * revoked authorization, and the app-credential mode.
 */
@KeycloakIntegrationTest(config = BridgeServerConfig.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ArcGisTokenExchangeTest {

    private static final String APP = "http://localhost:8081";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @InjectRealm(config = ArcgisRealmConfig.class)
    ManagedRealm realm;

    private final IdentityServer4Issuer issuer = Testbed.issuer();
    private final ArcGisPortal portal = Testbed.portal();

    @BeforeEach
    void portalTrustsKeycloakAndKnowsTheBridgeApp() {
        portal.fault(Fault.NONE);
        portal.userTokenSeconds(1800);
        portal.configureOidcLogin(OidcLoginSettings.fromDiscovery("Sign in with Keycloak", "arcgis-online", ArcgisRealmConfig.ARCGIS_ONLINE_SECRET,
                ProviderDiscovery.fetch(realm.getBaseUrl())));
        portal.registerApp(new ArcGisPortal.App("keycloak-bridge", BridgeServerConfig.ARCGIS_APP_SECRET,
                Set.of(realm.getBaseUrl() + "/broker/arcgis/endpoint")));
    }

    @Test
    @Order(1)
    void withoutALinkTheAnswerIsNotLinkedWithTheLinkingUrlAndNothingChanges() {
        RealmSnapshot before = RealmSnapshot.of(realm.admin());
        TokenEndpoint.Reply reply = arcgisExchange(TestUser.ALICE).post(realm.getBaseUrl());
        assertEquals(400, reply.status(), reply.toString());
        assertEquals("not_linked", reply.text("error"));
        assertTrue(reply.text("account-link-url").startsWith(realm.getBaseUrl() + "/protocol/openid-connect/auth?"), reply.text("account-link-url"));
        assertTrue(reply.text("account-link-url").contains("kc_action=idp_link%3Aarcgis") || reply.text("account-link-url").contains("kc_action=idp_link:arcgis"));
        assertEquals(before, RealmSnapshot.of(realm.admin()));
    }

    @Test
    @Order(2)
    void linkingOnceGoesThroughArcGisSignInAndStoresTheMember() {
        link(TestUser.ALICE);
        UserRepresentation alice = realm.admin().users().search("alice", true).get(0);
        FederatedIdentityRepresentation link = realm.admin().users().get(alice.getId()).getFederatedIdentity().stream()
                .filter(l -> l.getIdentityProvider().equals("arcgis")).findFirst().orElseThrow();
        assertEquals("alice_bridgeorg", link.getUserName());
    }

    @Test
    @Order(3)
    void theExchangeReturnsTheUsersArcGisTokenReadyForRegisterToken() {
        int refreshes = portal.tokenRequests("refresh_token");
        TokenEndpoint.Reply reply = arcgisExchange(TestUser.ALICE).post(realm.getBaseUrl());
        assertEquals(200, reply.status(), reply.toString());
        assertEquals("urn:ietf:params:oauth:token-type:access_token", reply.text("issued_token_type"));
        assertEquals("alice_bridgeorg", reply.text("userId"));
        assertEquals(portal.sharingRest(), reply.text("server"));
        assertEquals("false", reply.text("ssl"));
        assertEquals("user", reply.text("arcgis_token_kind"));
        long expires = reply.body().get("expires").asLong();
        assertTrue(Math.abs(expires - (System.currentTimeMillis() + reply.body().get("expires_in").asLong() * 1000)) < 5000);
        assertEquals(portal.featureCount(), query(reply.text("access_token")).path("features").size(), "the token reads the secured layer");
        assertEquals(refreshes, portal.tokenRequests("refresh_token"), "the token from linking is still fresh");

        String resourceToken = arcgisByResource(TestUser.ALICE).post(realm.getBaseUrl()).text("access_token");
        assertEquals(reply.text("access_token"), resourceToken, "resource = the portal's sharing/rest works too");
    }

    @Test
    @Order(4)
    void aCachedTokenIsReusedWithoutCallingArcGis() {
        int refreshes = portal.tokenRequests("refresh_token");
        String first = arcgisExchange(TestUser.ALICE).post(realm.getBaseUrl()).text("access_token");
        for (int i = 0; i < 10; i++) {
            assertEquals(first, arcgisExchange(TestUser.ALICE).post(realm.getBaseUrl()).text("access_token"));
        }
        assertEquals(refreshes, portal.tokenRequests("refresh_token"));
    }

    @Test
    @Order(5)
    void nearExpiryTheTokenIsRefreshedOnceAndTheNewOneCached() {
        String old = arcgisExchange(TestUser.ALICE).post(realm.getBaseUrl()).text("access_token");
        int refreshes = portal.tokenRequests("refresh_token");
        // A margin longer than any token's life makes the cached token "near expiry".
        withArcGisSettings(Map.of("refreshMarginSeconds", "100000"), () -> {
            String fresh = arcgisExchange(TestUser.ALICE).post(realm.getBaseUrl()).text("access_token");
            assertNotEquals(old, fresh);
            assertEquals(refreshes + 1, portal.tokenRequests("refresh_token"));
        });
        String cached = arcgisExchange(TestUser.ALICE).post(realm.getBaseUrl()).text("access_token");
        assertEquals(refreshes + 1, portal.tokenRequests("refresh_token"));
        assertEquals(portal.featureCount(), query(cached).path("features").size());
    }

    @Test
    @Order(6)
    void aRefreshTokenNearItsEndIsRenewedWithExchangeRefreshToken() {
        int renewals = portal.tokenRequests("exchange_refresh_token");
        withArcGisSettings(Map.of("refreshMarginSeconds", "100000", "renewalMarginSeconds", "100000000"), () -> {
            TokenEndpoint.Reply reply = arcgisExchange(TestUser.ALICE).post(realm.getBaseUrl());
            assertEquals(200, reply.status(), reply.toString());
            assertEquals(renewals + 1, portal.tokenRequests("exchange_refresh_token"));
        });
        // The emulator invalidates the old refresh token on renewal: refreshing again works only with the stored new one.
        withArcGisSettings(Map.of("refreshMarginSeconds", "100000"), () ->
                assertEquals(200, arcgisExchange(TestUser.ALICE).post(realm.getBaseUrl()).status()));
    }

    @Test
    @Order(7)
    void twentyConcurrentExchangesNeedingARefreshCauseOneRefreshAtArcGis() throws Exception {
        // Make the cached token a 600 s one; ArcGIS then hands out 1800 s tokens, and with a 900 s margin the cached
        // token needs a refresh while the refreshed one does not.
        portal.userTokenSeconds(600);
        withArcGisSettings(Map.of("refreshMarginSeconds", "100000"), () ->
                assertEquals(200, arcgisExchange(TestUser.ALICE).post(realm.getBaseUrl()).status()));
        portal.userTokenSeconds(1800);
        int refreshes = portal.tokenRequests("refresh_token");
        withArcGisSettings(Map.of("refreshMarginSeconds", "900"), () -> {
            List<TokenEndpoint.Reply> replies = Concurrently.send(20, 20, () -> arcgisExchange(TestUser.ALICE).post(realm.getBaseUrl()));
            for (TokenEndpoint.Reply reply : replies) {
                assertEquals(200, reply.status(), reply.toString());
                assertEquals(replies.get(0).text("access_token"), reply.text("access_token"), "all share the one refreshed token");
            }
        });
        assertEquals(refreshes + 1, portal.tokenRequests("refresh_token"));
    }

    @ParameterizedTest
    @EnumSource(value = Fault.class, names = {"HTTP_503", "SLOW", "GARBAGE", "MALFORMED_JSON", "WRONG_SHAPE"})
    @Order(8)
    void arcGisMisbehavingIsTemporarilyUnavailableHoldsUpNoOneAndLosesNothing(Fault fault) {
        RealmSnapshot before = RealmSnapshot.of(realm.admin());
        int refreshes = portal.tokenRequests("refresh_token");
        portal.fault(fault);
        withArcGisSettings(Map.of("refreshMarginSeconds", "100000"), () -> {
            AlongsideSlowRequest.Outcome outcome = AlongsideSlowRequest.run(() -> arcgisExchange(TestUser.ALICE).post(realm.getBaseUrl()),
                    () -> TokenEndpoint.exchangeForArcgis(issuer.accessToken(TokenSpec.forUser(TestUser.ALICE))).post(realm.getBaseUrl()), 10);
            assertEquals(503, outcome.slow().status(), outcome.slow().toString());
            assertEquals("temporarily_unavailable", outcome.slow().text("error"));
            assertTrue(outcome.slowMillis() < Fault.SLOW_DELAY_MILLIS, "bounded by the timeout: " + outcome.slowMillis() + " ms");
            outcome.others().forEach(reply -> assertEquals(200, reply.status(), reply.toString()));
        });
        portal.fault(Fault.NONE);
        assertEquals(refreshes + 1, portal.tokenRequests("refresh_token"), "one refresh attempt, no retry storm");
        assertEquals(before, RealmSnapshot.of(realm.admin()));
        // The stored refresh token survived: the next refresh works.
        withArcGisSettings(Map.of("refreshMarginSeconds", "100000"), () ->
                assertEquals(200, arcgisExchange(TestUser.ALICE).post(realm.getBaseUrl()).status(), "works again once ArcGIS is back"));
    }

    @Test
    @Order(9)
    void aRevokedAuthorizationIsNotLinkedAndChangesNothing() {
        portal.revokeRefreshTokens("alice_bridgeorg");
        RealmSnapshot before = RealmSnapshot.of(realm.admin());
        withArcGisSettings(Map.of("refreshMarginSeconds", "100000"), () -> {
            TokenEndpoint.Reply reply = arcgisExchange(TestUser.ALICE).post(realm.getBaseUrl());
            assertEquals(400, reply.status(), reply.toString());
            assertEquals("not_linked", reply.text("error"));
            assertNotNull(reply.text("account-link-url"));
        });
        assertEquals(before, RealmSnapshot.of(realm.admin()));
    }

    @Test
    @Order(10)
    void appCredentialModeGivesTheAppTokenOnlyToUsersWithTheRole() {
        // Bob exists in Keycloak (an earlier token exchange created him) but never linked ArcGIS.
        assertEquals(200, TokenEndpoint.exchangeForArcgis(issuer.accessToken(TokenSpec.forUser(TestUser.BOB))).post(realm.getBaseUrl()).status());
        assertEquals("not_linked", arcgisExchange(TestUser.BOB).post(realm.getBaseUrl()).text("error"), "mode off");

        withArcGisSettings(Map.of("appCredentialMode", "true"), () -> {
            assertEquals("not_linked", arcgisExchange(TestUser.BOB).post(realm.getBaseUrl()).text("error"), "no role");
            UserRepresentation bob = realm.admin().users().search("bob", true).get(0);
            RoleRepresentation viewer = realm.admin().roles().get("arcgis-app-viewer").toRepresentation();
            realm.admin().users().get(bob.getId()).roles().realmLevel().add(List.of(viewer));
            int appGrants = portal.tokenRequests("client_credentials");
            TokenEndpoint.Reply reply = arcgisExchange(TestUser.BOB).post(realm.getBaseUrl());
            assertEquals(200, reply.status(), reply.toString());
            assertEquals("app", reply.text("arcgis_token_kind"));
            assertFalse(reply.body().has("userId"), "an app token names no user");
            assertEquals(portal.featureCount(), query(reply.text("access_token")).path("features").size());
            assertEquals(reply.text("access_token"), arcgisExchange(TestUser.BOB).post(realm.getBaseUrl()).text("access_token"), "cached");
            assertEquals(appGrants + 1, portal.tokenRequests("client_credentials"));
        });
    }

    /** Links the user's ArcGIS account the way the account-link-url does, in a browser. */
    private void link(TestUser user) {
        String linkUrl = arcgisExchange(user).post(realm.getBaseUrl()).text("account-link-url");
        Browser browser = new Browser().stopAt(APP);
        Browser.Page page = browser.open(linkUrl + "&redirect_uri=" + URLEncoder.encode(APP + "/linked", StandardCharsets.UTF_8));
        for (int step = 0; step < 6 && !page.url().startsWith(APP); step++) {
            if (page.url().contains("/account/login")) {
                page = browser.submit(page, Map.of("username", user.username(), "password", user.password()));
            } else if (page.body().contains("kc-continue")) {
                page = browser.submit(page, Map.of("continue", ""));
            } else if (page.body().contains("oidc-login")) {
                page = browser.click(page, "oidc-login");
            } else {
                throw new AssertionError("unexpected page " + page.url() + ": " + page.body());
            }
        }
        assertTrue(page.url().startsWith(APP), page.url());
        assertEquals(null, page.query("error"), page.url());
    }

    private TokenEndpoint.Form arcgisExchange(TestUser user) {
        return TokenEndpoint.exchange(issuer.accessToken(TokenSpec.forUser(user)), TokenEndpoint.ACCESS_TOKEN)
                .add("requested_issuer", "arcgis");
    }

    private TokenEndpoint.Form arcgisByResource(TestUser user) {
        return TokenEndpoint.exchange(issuer.accessToken(TokenSpec.forUser(user)), TokenEndpoint.ACCESS_TOKEN)
                .add("resource", portal.sharingRest());
    }

    private void withArcGisSettings(Map<String, String> settings, Runnable check) {
        var previous = realm.admin().identityProviders().get("arcgis").toRepresentation();
        realm.updateIdentityProvider("arcgis", idp -> idp.getConfig().putAll(settings));
        try {
            check.run();
        } finally {
            realm.admin().identityProviders().get("arcgis").update(previous);
        }
    }

    private JsonNode query(String token) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(portal.featureLayerUrl()
                    + "/query?f=json&where=1%3D1&token=" + URLEncoder.encode(token, StandardCharsets.UTF_8))).build(),
                    HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(response.body());
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
