package io.github.arcgisbridge.testbed.arcgis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import io.github.arcgisbridge.testbed.identityserver.IdentityServer4Issuer;
import io.github.arcgisbridge.testbed.identityserver.TestUser;

/**
 * {@code community/self} names the member (enterprise members with {@code provider} "enterprise" and the IdP's user
 * identifier as {@code idpUsername}; built-in accounts with "arcgis"), wherever the request carries the token; tokens
 * in URLs are counted. {@code portals/self} shows the organisation anonymously, and the member's own organisation
 * to a signed-in member.
 */
class SelfResourcesTest {

    private static IdentityServer4Issuer issuer;
    private ArcGisPortal portal;

    @BeforeAll
    static void startIdentityServer() throws IOException {
        issuer = IdentityServer4Issuer.start(0);
    }

    @AfterAll
    static void stopIdentityServer() {
        issuer.close();
    }

    @BeforeEach
    void start() throws IOException {
        portal = ArcGisPortal.start(0, "selves", "Selves");
        SignIns.prepare(portal);
        SignIns.trust(portal, issuer);
    }

    @AfterEach
    void stop() {
        portal.close();
    }

    @Test
    void anEnterpriseMemberIsProviderEnterpriseWithTheIdpsUserIdentifier() {
        Http.Reply token = SignIns.oidcLogin(portal, TestUser.ALICE);
        JsonNode self = SignIns.self(portal, token.text("access_token")).body();
        assertEquals("alice_selves", self.path("username").asText(), self.toString());
        assertEquals("enterprise", self.path("provider").asText());
        assertEquals(TestUser.ALICE.subject(), self.path("idpUsername").asText());
        assertEquals(portal.orgId(), self.path("orgId").asText());
        assertEquals("org_user", self.path("role").asText());
        assertEquals(TestUser.ALICE.email(), self.path("email").asText());
        assertEquals(portal.members().get(0).id(), self.path("id").asText());
        assertTrue(self.has("fullName"));
    }

    @Test
    void aBuiltInAccountIsProviderArcgisWithoutIdpUsername() {
        String token = SignIns.arcGisLogin(portal, SignIns.ALICE_ARCGIS, SignIns.PASSWORD, null).text("access_token");
        JsonNode self = SignIns.self(portal, token).body();
        assertEquals(SignIns.ALICE_ARCGIS, self.path("username").asText(), self.toString());
        assertEquals("arcgis", self.path("provider").asText());
        assertFalse(self.has("idpUsername"));
        assertEquals("Alice Arcgis", self.path("fullName").asText());
        assertEquals(portal.orgId(), self.path("orgId").asText());
    }

    @Test
    void theTokenIsReadFromEveryDocumentedPlaceAndOnlyTheQueryStringIsCounted() {
        String token = SignIns.arcGisLogin(portal, SignIns.ALICE_ARCGIS, SignIns.PASSWORD, null).text("access_token");
        String self = portal.sharingRest() + "/community/self";
        int before = portal.tokensInUrl();
        assertEquals(SignIns.ALICE_ARCGIS, Http.get(self + "?f=json", "Authorization", "Bearer " + token).text("username"));
        assertEquals(SignIns.ALICE_ARCGIS, Http.get(self + "?f=json", "X-Esri-Authorization", "Bearer " + token).text("username"));
        assertEquals(SignIns.ALICE_ARCGIS, Http.post(self, Map.of("f", "json", "token", token)).text("username"));
        assertEquals(before, portal.tokensInUrl());
        assertEquals(SignIns.ALICE_ARCGIS, Http.get(self + "?f=json&token=" + Http.encode(token)).text("username"));
        HttpRequest.Builder postWithTokenInUrl = HttpRequest.newBuilder(URI.create(self + "?token=" + Http.encode(token)))
                .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString("f=json"));
        assertEquals(SignIns.ALICE_ARCGIS, Http.send(postWithTokenInUrl).text("username"));
        Http.get(portal.featureLayerUrl() + "/query?f=json&token=whatever");
        assertEquals(before + 3, portal.tokensInUrl());
        assertEquals(before + 3, Http.get(portal.baseUrl() + "/emulator/stats").body().path("tokensInUrl").asInt());
    }

    @Test
    void portalsSelfAnonymouslyIsTheOrganisationsPublicView() {
        JsonNode self = Http.get(portal.sharingRest() + "/portals/self?f=json").body();
        assertEquals(portal.orgId(), self.path("id").asText(), self.toString());
        assertEquals("selves", self.path("urlKey").asText());
        assertEquals("Selves", self.path("name").asText());
        assertFalse(self.path("isPortal").asBoolean(true));
        assertTrue(self.path("supportsOAuth").asBoolean());
        assertTrue(Double.parseDouble(self.path("currentVersion").asText()) >= 8.4, "PKCE in @arcgis/core");
        assertEquals(-1, self.path("maxTokenExpirationMinutes").asInt());
        assertEquals("multitenant", self.path("portalMode").asText());
        assertFalse(self.has("user"));
        assertTrue(self.has("portalHostname") && self.has("customBaseUrl") && self.has("allSSL"));
    }

    @Test
    void portalsSelfSignedInIsTheMembersOwnOrganisation() {
        portal.addArcGisAccount("bob_elsewhere", "pw", "Bob Elsewhere", "bob@elsewhere.org", "ELSEWHERE0000001");
        portal.acceptsAccountsOfOtherOrganizations(true);
        String bob = SignIns.arcGisLogin(portal, "bob_elsewhere", "pw", null).text("access_token");
        JsonNode theirs = Http.get(portal.sharingRest() + "/portals/self?f=json", "Authorization", "Bearer " + bob).body();
        assertEquals("ELSEWHERE0000001", theirs.path("id").asText(), theirs.toString());
        assertEquals("bob_elsewhere", theirs.path("user").path("username").asText());
        assertEquals("ELSEWHERE0000001", SignIns.self(portal, bob).text("orgId"));

        String alice = SignIns.arcGisLogin(portal, SignIns.ALICE_ARCGIS, SignIns.PASSWORD, null).text("access_token");
        JsonNode ours = Http.get(portal.sharingRest() + "/portals/self?f=json", "X-Esri-Authorization", "Bearer " + alice).body();
        assertEquals(portal.orgId(), ours.path("id").asText());
        assertEquals(SignIns.ALICE_ARCGIS, ours.path("user").path("username").asText());
        Http.Reply invalid = Http.get(portal.sharingRest() + "/portals/self?f=json", "Authorization", "Bearer expired");
        assertEquals(498, invalid.error().path("code").asInt());
    }
}
