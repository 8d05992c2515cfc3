package io.github.arcgisbridge.testbed.arcgis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.github.arcgisbridge.testbed.browser.Browser;
import io.github.arcgisbridge.testbed.http.Pkce;

/**
 * The sign-in page's "ArcGIS login" form: the organisation's own built-in accounts sign in; another organisation's
 * account is refused with ArcGIS's message unless the portal models a URL without an organisation.
 */
class SignInPageTest {

    private static final String OTHER_ORG = "OTHERORG00000001";
    private static final Map<String, String> ALICE = Map.of("username", SignIns.ALICE_ARCGIS, "password", SignIns.PASSWORD);

    private ArcGisPortal portal;

    @BeforeEach
    void start() throws IOException {
        portal = ArcGisPortal.start(0, "pages", "Pages");
        SignIns.prepare(portal);
        portal.addArcGisAccount("carol_other", "pw", "Carol Other", "carol@other.org", OTHER_ORG);
    }

    @AfterEach
    void stop() {
        portal.close();
    }

    @Test
    void thePageHasTheArcGisLoginFormAndTheOrganisationsAccountSignsIn() {
        Browser browser = new Browser().stopAt(SignIns.REDIRECT);
        String verifier = Pkce.newVerifier();
        Browser.Page page = SignIns.signInPage(browser, portal, null, verifier);
        assertTrue(page.body().contains("<form id=\"arcgis-login\""), page.body());
        assertTrue(page.body().contains("id=\"arcgis-login-submit\""));
        assertFalse(page.body().contains("oidc-login"), "no OpenID Connect login configured");
        Browser.Page atApp = browser.submit(page, "arcgis-login", ALICE);
        assertEquals("app-state", atApp.query("state"));
        Http.Reply token = SignIns.redeem(portal, atApp, verifier);
        assertEquals(SignIns.ALICE_ARCGIS, token.text("username"));
        assertEquals(List.of(SignIns.ALICE_ARCGIS), portal.members().stream().map(Member::username).toList(),
                "the built-in account is a member; the other organisation's is not");
    }

    @Test
    void aWrongPasswordShowsThePageAgain() {
        Browser browser = new Browser().stopAt(SignIns.REDIRECT);
        Browser.Page page = SignIns.signInPage(browser, portal, null, Pkce.newVerifier());
        Browser.Page refused = browser.submit(page, "arcgis-login", Map.of("username", SignIns.ALICE_ARCGIS, "password", "wrong"));
        assertTrue(refused.body().contains("Invalid username or password."), refused.body());
        Browser.Page retried = browser.submit(refused, "arcgis-login", ALICE);
        assertTrue(retried.url().startsWith(SignIns.REDIRECT), retried.url());
    }

    @Test
    void anotherOrganisationsAccountIsRefusedOnTheOrganisationsUrl() {
        Browser browser = new Browser().stopAt(SignIns.REDIRECT);
        Browser.Page page = SignIns.signInPage(browser, portal, null, Pkce.newVerifier());
        Browser.Page refused = browser.submit(page, "arcgis-login", Map.of("username", "carol_other", "password", "pw"));
        assertTrue(refused.body().contains("The username you entered is not a member of this organization."), refused.body());
        assertNull(refused.query("code"));
    }

    @Test
    void withoutAnOrganisationInTheUrlAnyAccountSignsIn() {
        portal.acceptsAccountsOfOtherOrganizations(true);
        Http.Reply token = SignIns.arcGisLogin(portal, "carol_other", "pw", null);
        assertEquals("carol_other", token.text("username"), token.body().toString());
        assertEquals(OTHER_ORG, SignIns.self(portal, token.text("access_token")).text("orgId"));
    }
}
