package io.github.arcgisbridge.keycloak.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import org.keycloak.representations.idm.FederatedIdentityRepresentation;
import org.keycloak.representations.idm.UserRepresentation;
import org.keycloak.testframework.realm.ManagedRealm;

import io.github.arcgisbridge.testbed.arcgis.ArcGisPortal;
import io.github.arcgisbridge.testbed.arcgis.OidcLoginSettings;
import io.github.arcgisbridge.testbed.arcgis.ProviderDiscovery;
import io.github.arcgisbridge.testbed.browser.Browser;
import io.github.arcgisbridge.testbed.identityserver.IdentityServer4Issuer;
import io.github.arcgisbridge.testbed.identityserver.RegisteredClient;
import io.github.arcgisbridge.testbed.identityserver.TestUser;
import io.github.arcgisbridge.testbed.identityserver.TokenSpec;

/**
 * Fixtures for the tests of the user's ArcGIS token: a user of their own for every test (a new IdentityServer4
 * subject, known to Keycloak), linked to ArcGIS the way the account-link-url does it in a browser, so that each test
 * runs alone and in any order.
 */
final class ArcGisAccounts {

    static final String APP = "http://localhost:8081";
    private static final AtomicInteger NEXT = new AtomicInteger();

    /** How the user signs in at ArcGIS's sign-in page while linking. */
    interface ArcGisSignIn {
        Browser.Page signIn(Browser browser, Browser.Page arcgisSignInPage);
    }

    /** The organisation's OpenID Connect login (Keycloak, with the user's session: no prompt). */
    static final ArcGisSignIn ORGANIZATION_LOGIN = (browser, page) -> browser.click(page, "oidc-login");

    /** A built-in ArcGIS account's username and password typed into "ArcGIS login". */
    static ArcGisSignIn arcgisAccount(String username, String password) {
        return (browser, page) -> browser.submit(page, Map.of("username", username, "password", password));
    }

    private final ManagedRealm realm;
    private final ArcGisPortal portal;
    private final IdentityServer4Issuer issuer = Testbed.issuer();

    ArcGisAccounts(ManagedRealm realm, ArcGisPortal portal) {
        this.realm = realm;
        this.portal = portal;
    }

    /** The portal signs its organisation's members in through Keycloak and knows the app Keycloak links through. */
    ArcGisAccounts portalTrustsKeycloak() {
        portal.configureOidcLogin(OidcLoginSettings.fromDiscovery("Sign in with Keycloak", "arcgis-online", ArcgisRealmConfig.ARCGIS_ONLINE_SECRET,
                ProviderDiscovery.fetch(realm.getBaseUrl())));
        portal.registerApp(new ArcGisPortal.App("keycloak-bridge", BridgeServerConfig.ARCGIS_APP_SECRET,
                Set.of(realm.getBaseUrl() + "/broker/arcgis/endpoint")));
        return this;
    }

    /**
     * "Beside": ArcGIS's organisation login stays on IdentityServer4 (no change at ArcGIS); Keycloak only runs the
     * exchange and the vault, and linking passes through ArcGIS's sign-in straight to IdentityServer4.
     */
    ArcGisAccounts portalTrustsIdentityServer4() {
        issuer.registerClient(new RegisteredClient("arcgis-portal", "arcgis-portal-secret", Set.of(portal.oidcRedirectUri())));
        portal.configureOidcLogin(OidcLoginSettings.fromDiscovery("Sign in with IdentityServer4", "arcgis-portal", "arcgis-portal-secret",
                ProviderDiscovery.fetch(issuer.issuer())));
        portal.registerApp(new ArcGisPortal.App("keycloak-bridge", BridgeServerConfig.ARCGIS_APP_SECRET,
                Set.of(realm.getBaseUrl() + "/broker/arcgis/endpoint")));
        return this;
    }

    /** A new IdentityServer4 user whose Keycloak user exists (a first exchange created it), without an ArcGIS link. */
    TestUser unlinked() {
        int n = NEXT.incrementAndGet();
        String name = "gis" + n;
        TestUser user = new TestUser(String.valueOf(6_000_000 + n), name, name + "-pw", name + "@example.com", "Gis", "User " + n);
        issuer.addUser(user);
        TokenEndpoint.Reply created = TokenEndpoint.exchangeForArcgis(issuer.accessToken(TokenSpec.forUser(user))).post(realm.getBaseUrl());
        assertEquals(200, created.status(), created.toString());
        return user;
    }

    /** A new user who linked ArcGIS through the organisation's login. */
    TestUser linked() {
        TestUser user = unlinked();
        Browser.Page end = link(user, ORGANIZATION_LOGIN);
        assertTrue(end.url().startsWith(APP), end.url() + " " + end.body());
        assertEquals("success", end.query("kc_action_status"), end.url());
        assertNotNull(link(user));
        return user;
    }

    /** Follows the account-link-url of a not-linked exchange in a browser; the page it ends on (the app, or an error page). */
    Browser.Page link(TestUser user, ArcGisSignIn signIn) {
        String linkUrl = exchangeForArcGisToken(user).post(realm.getBaseUrl()).text("account-link-url");
        assertNotNull(linkUrl, "not linked yet: an account-link-url");
        return follow(linkUrl, user, signIn);
    }

    /** Keycloak's idp_link action for a user who is linked already: linking again replaces the stored authorization. */
    Browser.Page relink(TestUser user) {
        return follow(realm.getBaseUrl() + "/protocol/openid-connect/auth?client_id=map-app&response_type=code&scope=openid"
                + "&kc_action=idp_link%3Aarcgis", user, ORGANIZATION_LOGIN);
    }

    private Browser.Page follow(String linkUrl, TestUser user, ArcGisSignIn signIn) {
        Browser browser = new Browser().stopAt(APP);
        Browser.Page page = browser.open(linkUrl + "&redirect_uri=" + URLEncoder.encode(APP + "/linked", StandardCharsets.UTF_8));
        for (int step = 0; step < 6 && !page.url().startsWith(APP) && page.status() == 200; step++) {
            if (page.url().contains("/account/login")) {
                page = browser.submit(page, Map.of("username", user.username(), "password", user.password()));
            } else if (page.body().contains("kc-continue")) {
                page = browser.submit(page, Map.of("continue", ""));
            } else if (page.body().contains("oidc-login")) {
                page = signIn.signIn(browser, page);
            } else {
                throw new AssertionError("unexpected page " + page.url() + ": " + page.body());
            }
        }
        return page;
    }

    /** The user's ArcGIS link as Keycloak stores it, or null. */
    FederatedIdentityRepresentation link(TestUser user) {
        return realm.admin().users().get(keycloakUser(user).getId()).getFederatedIdentity().stream()
                .filter(link -> link.getIdentityProvider().equals("arcgis")).findFirst().orElse(null);
    }

    UserRepresentation keycloakUser(TestUser user) {
        return realm.admin().users().search(user.username(), true).get(0);
    }

    /** The app backend's request for the user's ArcGIS token. */
    TokenEndpoint.Form exchangeForArcGisToken(TestUser user) {
        return TokenEndpoint.exchange(issuer.accessToken(TokenSpec.forUser(user)), TokenEndpoint.ACCESS_TOKEN).add("requested_issuer", "arcgis");
    }

    /** The ArcGIS username the emulated organisation gives the user's member. */
    String arcgisUsername(TestUser user) {
        return user.username() + "_" + portal.urlKey();
    }
}
