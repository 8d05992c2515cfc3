package io.github.arcgisbridge.testbed.arcgis;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import io.github.arcgisbridge.testbed.browser.Browser;
import io.github.arcgisbridge.testbed.http.Pkce;
import io.github.arcgisbridge.testbed.identityserver.IdentityServer4Issuer;
import io.github.arcgisbridge.testbed.identityserver.RegisteredClient;
import io.github.arcgisbridge.testbed.identityserver.TestUser;

/** An app ({@link #APP}) signing members in to a portal, through the ArcGIS login form or the OpenID Connect login. */
final class SignIns {

    static final String APP = "map-app";
    static final String APP_SECRET = "map-app-secret";
    static final String REDIRECT = "http://localhost:1/app/callback";
    static final String ALICE_ARCGIS = "alice_arcgis";
    static final String PASSWORD = "correct horse";

    private SignIns() {
    }

    /** Registers the app and a built-in account of the organisation. */
    static void prepare(ArcGisPortal portal) {
        portal.registerApp(new ArcGisPortal.App(APP, APP_SECRET, Set.of(REDIRECT)));
        portal.addArcGisAccount(ALICE_ARCGIS, PASSWORD, "Alice Arcgis", "alice@example.org", portal.orgId());
    }

    /** Makes the portal's OpenID Connect login the given IdentityServer4 look-alike. */
    static void trust(ArcGisPortal portal, IdentityServer4Issuer issuer) {
        issuer.registerClient(new RegisteredClient("arcgis-portal", "arcgis-portal-secret", Set.of(portal.oidcRedirectUri())));
        portal.configureOidcLogin(OidcLoginSettings.fromDiscovery("Sign in with IdentityServer4", "arcgis-portal", "arcgis-portal-secret",
                ProviderDiscovery.fetch(issuer.issuer())));
    }

    /** The app's sign-in page, for an authorize request with PKCE and, when not null, an expiration. */
    static Browser.Page signInPage(Browser browser, ArcGisPortal portal, Integer expiration, String verifier) {
        return browser.open(portal.sharingRest() + "/oauth2/authorize?client_id=" + APP + "&response_type=code&state=app-state"
                + "&redirect_uri=" + Http.encode(REDIRECT) + "&code_challenge=" + Pkce.s256(verifier) + "&code_challenge_method=S256"
                + (expiration == null ? "" : "&expiration=" + expiration));
    }

    /** Signs in with the ArcGIS login form and redeems the code: the token response. */
    static Http.Reply arcGisLogin(ArcGisPortal portal, String username, String password, Integer expiration) {
        String verifier = Pkce.newVerifier();
        Browser browser = new Browser().stopAt(REDIRECT);
        Browser.Page page = browser.submit(signInPage(browser, portal, expiration, verifier), "arcgis-login",
                Map.of("username", username, "password", password));
        return redeem(portal, page, verifier);
    }

    /** Signs in through the organisation's OpenID Connect login, typing the password at the IdP. */
    static Http.Reply oidcLogin(ArcGisPortal portal, TestUser user) {
        String verifier = Pkce.newVerifier();
        Browser browser = new Browser().stopAt(REDIRECT);
        Browser.Page page = browser.click(signInPage(browser, portal, null, verifier), "oidc-login");
        page = browser.submit(page, null, Map.of("username", user.username(), "password", user.password()));
        return redeem(portal, page, verifier);
    }

    static Http.Reply redeem(ArcGisPortal portal, Browser.Page atApp, String verifier) {
        assertTrue(atApp.url().startsWith(REDIRECT), "ended at " + atApp.url() + ": " + atApp.body());
        return Http.post(portal.sharingRest() + "/oauth2/token", Map.of("grant_type", "authorization_code", "client_id", APP,
                "code", atApp.query("code"), "redirect_uri", REDIRECT, "code_verifier", verifier));
    }

    static Http.Reply refresh(ArcGisPortal portal, String refreshToken) {
        return Http.post(portal.sharingRest() + "/oauth2/token", Map.of("grant_type", "refresh_token", "client_id", APP,
                "refresh_token", refreshToken));
    }

    static Http.Reply exchangeRefresh(ArcGisPortal portal, String refreshToken, String redirectUri) {
        Map<String, String> form = new HashMap<>(Map.of("grant_type", "exchange_refresh_token", "client_id", APP,
                "refresh_token", refreshToken));
        if (redirectUri != null) {
            form.put("redirect_uri", redirectUri);
        }
        return Http.post(portal.sharingRest() + "/oauth2/token", form);
    }

    /** {@code community/self} with the token in the Authorization header. */
    static Http.Reply self(ArcGisPortal portal, String token) {
        return Http.get(portal.sharingRest() + "/community/self?f=json", "Authorization", "Bearer " + token);
    }
}
