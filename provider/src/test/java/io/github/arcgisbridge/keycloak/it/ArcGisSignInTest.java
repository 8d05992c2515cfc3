package io.github.arcgisbridge.keycloak.it;

import static io.github.arcgisbridge.keycloak.it.TokenEndpoint.exchangeForArcgis;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.keycloak.representations.idm.UserRepresentation;
import org.keycloak.testframework.annotations.InjectRealm;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.keycloak.testframework.realm.ManagedRealm;

import io.github.arcgisbridge.testbed.InProcessUpstreams;
import io.github.arcgisbridge.testbed.arcgis.ArcGisPortal;
import io.github.arcgisbridge.testbed.arcgis.Member;
import io.github.arcgisbridge.testbed.arcgis.OidcLoginSettings;
import io.github.arcgisbridge.testbed.arcgis.ProviderDiscovery;
import io.github.arcgisbridge.testbed.browser.Browser;
import io.github.arcgisbridge.testbed.http.Pkce;
import io.github.arcgisbridge.testbed.identityserver.IdentityServer4Issuer;
import io.github.arcgisbridge.testbed.identityserver.RegisteredClient;
import io.github.arcgisbridge.testbed.identityserver.TestUser;
import io.github.arcgisbridge.testbed.identityserver.TokenSpec;

/**
 * ArcGIS's organisation sign-in, end to end over real HTTP: the ArcGIS portal emulator first trusts IdentityServer4
 * directly, then (the switch an admin makes) Keycloak in front of IdentityServer4. Every member keeps the same ArcGIS
 * account, users first seen by the token exchange included, and the failures ArcGIS would hit are refused.
 */
@KeycloakIntegrationTest(config = BridgeServerConfig.class)
class ArcGisSignInTest {

    private static final String APP_REDIRECT = "http://localhost:1/app/callback";
    private static final String PORTAL_CLIENT_AT_IS4 = "arcgis-portal";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @InjectRealm(config = ArcgisRealmConfig.class)
    ManagedRealm realm;

    private final IdentityServer4Issuer issuer = Testbed.issuer();
    private final ArcGisPortal portal = InProcessUpstreams.portal();

    /** The member and token an app gets back from one ArcGIS sign-in. */
    private record SignedIn(String username, String accessToken) { }

    @BeforeEach
    void registerTheAppAndThePortal() {
        portal.registerApp(new ArcGisPortal.App("map-app", "map-app-arcgis-secret", Set.of(APP_REDIRECT)));
        issuer.registerClient(new RegisteredClient(PORTAL_CLIENT_AT_IS4, "arcgis-portal-secret", Set.of(portal.oidcRedirectUri())));
    }

    @Test
    void switchingArcGisFromIdentityServer4ToKeycloakKeepsEveryMember() {
        // Before: ArcGIS trusts IdentityServer4 directly.
        portal.configureOidcLogin(identityServer4Login());
        SignedIn aliceBefore = signIn(new Browser(), TestUser.ALICE);
        SignedIn bobBefore = signIn(new Browser(), TestUser.BOB);
        assertEquals("alice_bridgeorg", aliceBefore.username());
        assertEquals("bob_bridgeorg", bobBefore.username());
        Map<String, Member> before = membersByUsername();

        // The admin types Keycloak's values into ArcGIS's OpenID Connect login form.
        portal.configureOidcLogin(keycloakLogin(ArcgisRealmConfig.ARCGIS_ONLINE_SECRET));

        // Bob's app exchanged his IdentityServer4 token before he ever signed in to ArcGIS through Keycloak.
        assertEquals(200, exchangeForArcgis(issuer.accessToken(TokenSpec.forUser(TestUser.BOB))).post(realm.getBaseUrl()).status());

        Browser aliceBrowser = new Browser();
        SignedIn aliceAfter = signIn(aliceBrowser, TestUser.ALICE);
        assertEquals("alice_bridgeorg", aliceAfter.username());
        assertTrue(aliceBrowser.history().stream().anyMatch(url -> url.startsWith(realm.getBaseUrl())), "went through Keycloak");
        assertTrue(aliceBrowser.pagesShown().stream().noneMatch(url -> url.startsWith("http://localhost:8080")),
                "Keycloak never showed a page: " + aliceBrowser.pagesShown());

        SignedIn bobAfter = signIn(new Browser(), TestUser.BOB);
        assertEquals("bob_bridgeorg", bobAfter.username());

        assertEquals(before, membersByUsername(), "same members, same ids, no duplicates");
        assertEquals("alice_bridgeorg", communitySelf(aliceAfter.accessToken()).get("username").asText());
        assertEquals(before.get("alice_bridgeorg").id(), communitySelf(aliceAfter.accessToken()).get("id").asText());
        assertEquals(1, realm.admin().users().search("bob", true).size(), "the exchange's user is the one Keycloak logged in");
        UserRepresentation bob = realm.admin().users().search("bob", true).get(0);
        assertEquals("88421113", realm.admin().users().get(bob.getId()).getFederatedIdentity().get(0).getUserId());
    }

    @Test
    void anIdentityServer4SessionMeansNoPromptAnywhere() {
        portal.configureOidcLogin(keycloakLogin(ArcgisRealmConfig.ARCGIS_ONLINE_SECRET));
        Browser browser = new Browser();
        signIn(browser, TestUser.ALICE);
        int logins = issuer.interactiveLogins();
        List<String> pagesBefore = List.copyOf(browser.pagesShown());

        SignedIn again = signIn(browser, TestUser.ALICE);
        assertEquals("alice_bridgeorg", again.username());
        assertEquals(logins, issuer.interactiveLogins(), "no password typed the second time");
        List<String> newPages = browser.pagesShown().subList(pagesBefore.size(), browser.pagesShown().size());
        assertEquals(1, newPages.size(), "only ArcGIS's own sign-in page: " + newPages);
        assertTrue(newPages.get(0).startsWith(portal.sharingRest() + "/oauth2/authorize"));
    }

    @Test
    void wrongClientSecretAtArcGisFailsTheSignInAndCreatesNoMember() {
        portal.configureOidcLogin(keycloakLogin("not-the-secret"));
        int members = portal.members().size();
        Browser browser = new Browser().stopAt(APP_REDIRECT);
        Browser.Page page = toProvider(browser, TestUser.BOB);
        assertEquals(400, page.status());
        assertTrue(page.body().contains("Did not receive required parameter from the provider"), page.body());
        assertEquals(members, portal.members().size());
    }

    @Test
    void issuerThatDoesNotMatchDiscoveryIsRefusedWhenSaving() {
        OidcLoginSettings trailingSlash = keycloakLogin(ArcgisRealmConfig.ARCGIS_ONLINE_SECRET).withIssuer(realm.getBaseUrl() + "/");
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> portal.configureOidcLogin(trailingSlash));
        assertTrue(refused.getMessage().contains("issuer"), refused.getMessage());
    }

    @Test
    void keycloakRefusesACodeWithTheWrongPkceVerifierOrReplayed() {
        String verifier = Pkce.newVerifier();
        Browser browser = new Browser().stopAt(portal.oidcRedirectUri());
        Browser.Page login = browser.open(realm.getBaseUrl() + "/protocol/openid-connect/auth?client_id=arcgis-online&response_type=code"
                + "&scope=openid%20profile%20email&state=st&nonce=n&redirect_uri=" + encode(portal.oidcRedirectUri())
                + "&code_challenge=" + Pkce.s256(verifier) + "&code_challenge_method=S256");
        Browser.Page callback = browser.submit(login, Map.of("username", "alice", "password", "alice"));
        String code = callback.query("code");
        assertNotNull(code, callback.url());

        JsonNode wrongVerifier = redeemAtKeycloak(code, Pkce.newVerifier());
        assertEquals("invalid_grant", wrongVerifier.path("error").asText(), wrongVerifier.toString());
        JsonNode replayed = redeemAtKeycloak(code, verifier);
        assertEquals("invalid_grant", replayed.path("error").asText(), "a code is good for one attempt: " + replayed);
    }

    @Test
    void arcGisRefusesATamperedOrReplayedState() {
        portal.configureOidcLogin(keycloakLogin(ArcgisRealmConfig.ARCGIS_ONLINE_SECRET));
        int members = portal.members().size();
        Browser browser = new Browser().stopAt(portal.oidcRedirectUri());
        Browser.Page callback = toProvider(browser, TestUser.ALICE);
        String state = callback.query("state");
        assertNotNull(state, callback.url());

        browser.stopAt(APP_REDIRECT);
        Browser.Page tampered = browser.open(callback.url().replace("state=" + state, "state=" + state + "x"));
        assertEquals(400, tampered.status());
        assertTrue(tampered.body().contains("Invalid state"));

        Browser.Page first = browser.open(callback.url());
        assertTrue(first.url().startsWith(APP_REDIRECT), first.url() + " " + first.body());
        Browser.Page replay = browser.open(callback.url());
        assertEquals(400, replay.status());
        assertTrue(replay.body().contains("Invalid state"));
        assertTrue(portal.members().size() <= members + 1);
    }

    /** From the app's authorize request to the app's redirect URI, typing the password only where a login page shows. */
    private SignedIn signIn(Browser browser, TestUser user) {
        String verifier = Pkce.newVerifier();
        browser.stopAt(APP_REDIRECT);
        Browser.Page page = browser.open(portal.sharingRest() + "/oauth2/authorize?client_id=map-app&response_type=code&state=app-state"
                + "&expiration=60&redirect_uri=" + encode(APP_REDIRECT) + "&code_challenge=" + Pkce.s256(verifier)
                + "&code_challenge_method=S256");
        page = browser.click(page, "oidc-login");
        if (page.url().contains("/account/login")) {
            page = browser.submit(page, Map.of("username", user.username(), "password", user.password()));
        }
        assertTrue(page.url().startsWith(APP_REDIRECT), "ended at " + page.url() + ": " + page.body());
        assertEquals("app-state", page.query("state"));
        JsonNode token = postForm(portal.sharingRest() + "/oauth2/token", Map.of("grant_type", "authorization_code",
                "client_id", "map-app", "code", page.query("code"), "redirect_uri", APP_REDIRECT, "code_verifier", verifier));
        assertFalse(token.has("error"), token.toString());
        assertTrue(token.get("expires_in").asInt() > 0);
        assertNotNull(token.get("refresh_token"));
        return new SignedIn(token.get("username").asText(), token.get("access_token").asText());
    }

    /** Starts an ArcGIS sign-in and types the user's password at IdentityServer4, stopping wherever the browser is told to. */
    private Browser.Page toProvider(Browser browser, TestUser user) {
        Browser.Page page = browser.open(portal.sharingRest() + "/oauth2/authorize?client_id=map-app&response_type=code&state=s"
                + "&redirect_uri=" + encode(APP_REDIRECT));
        page = browser.click(page, "oidc-login");
        return page.url().contains("/account/login") ? browser.submit(page, Map.of("username", user.username(), "password", user.password())) : page;
    }

    private OidcLoginSettings identityServer4Login() {
        return OidcLoginSettings.fromDiscovery("Sign in with IdentityServer4", PORTAL_CLIENT_AT_IS4, "arcgis-portal-secret",
                ProviderDiscovery.fetch(issuer.issuer()));
    }

    private OidcLoginSettings keycloakLogin(String secret) {
        return OidcLoginSettings.fromDiscovery("Sign in with Keycloak", "arcgis-online", secret, ProviderDiscovery.fetch(realm.getBaseUrl()));
    }

    private Map<String, Member> membersByUsername() {
        return portal.members().stream().collect(Collectors.toMap(Member::username, m -> m));
    }

    private JsonNode communitySelf(String token) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(portal.sharingRest()
                    + "/community/self?f=json&token=" + encode(token))).build(), HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(response.body());
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private JsonNode redeemAtKeycloak(String code, String verifier) {
        return postForm(realm.getBaseUrl() + "/protocol/openid-connect/token", Map.of("grant_type", "authorization_code",
                "client_id", "arcgis-online", "client_secret", ArcgisRealmConfig.ARCGIS_ONLINE_SECRET, "code", code,
                "redirect_uri", portal.oidcRedirectUri(), "code_verifier", verifier));
    }

    private static JsonNode postForm(String url, Map<String, String> form) {
        String body = form.entrySet().stream().map(e -> encode(e.getKey()) + "=" + encode(e.getValue())).collect(Collectors.joining("&"));
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(response.body());
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
