package io.github.arcgisbridge.keycloak.it;

import static io.github.arcgisbridge.keycloak.it.TokenEndpoint.ACCESS_TOKEN;
import static io.github.arcgisbridge.keycloak.it.TokenEndpoint.ID_TOKEN;
import static io.github.arcgisbridge.keycloak.it.TokenEndpoint.JWT;
import static io.github.arcgisbridge.keycloak.it.TokenEndpoint.exchange;
import static io.github.arcgisbridge.keycloak.it.TokenEndpoint.exchangeForArcgis;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.keycloak.events.EventType;
import org.keycloak.representations.idm.EventRepresentation;
import org.keycloak.representations.idm.UserRepresentation;
import org.keycloak.testframework.annotations.InjectEvents;
import org.keycloak.testframework.annotations.InjectRealm;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.keycloak.testframework.events.EventAssertion;
import org.keycloak.testframework.events.Events;
import org.keycloak.testframework.realm.ManagedRealm;

import io.github.arcgisbridge.testbed.identityserver.IdentityServer4Issuer;
import io.github.arcgisbridge.testbed.identityserver.TestUser;
import io.github.arcgisbridge.testbed.identityserver.TokenSpec;
import io.github.arcgisbridge.testbed.identityserver.TokenSpec.Audience;

/** Every accepted shape of subject token and every issuable token type, against a real Keycloak 26.7 server. */
@KeycloakIntegrationTest(config = BridgeServerConfig.class)
class ExchangeSuccessTest {

    @InjectRealm(config = ArcgisRealmConfig.class)
    ManagedRealm realm;

    @InjectEvents
    Events events;

    private final IdentityServer4Issuer issuer = Testbed.issuer();

    @Test
    void jwtAccessTokenBecomesATokenForArcgisOnlineHeldByTheRequester() {
        TokenEndpoint.Reply reply = exchangeForArcgis(issuer.accessToken(TokenSpec.forUser(TestUser.ALICE))).post(realm.getBaseUrl());

        assertEquals(200, reply.status(), reply.toString());
        assertEquals(ACCESS_TOKEN, reply.text("issued_token_type"));
        assertEquals("Bearer", reply.text("token_type"));
        assertTrue(reply.body().get("expires_in").asInt() > 0);
        assertNull(reply.text("refresh_token"));
        assertNull(reply.text("id_token"));
        JsonNode token = reply.claims("access_token");
        assertEquals(aliceId(), token.get("sub").asText(), "access tokens keep Keycloak's subject");
        assertEquals(List.of("arcgis-online"), audiences(token));
        assertEquals("map-app", token.get("azp").asText(), "the requester holds the token");
        assertEquals("map-app", token.get("client_id").asText());
        assertFalse(token.has("act"), "no actor token, no delegation");
        assertEquals("alice", token.get("preferred_username").asText());
        assertEquals("alice@example.com", token.get("email").asText());
        assertFalse(token.has("sid"), "a transient session must not be advertised");

        EventAssertion.assertSuccess(exchangeEvent())
                .type(EventType.TOKEN_EXCHANGE)
                .clientId("map-app")
                .userId(aliceId())
                .details("subject_issuer", "identityserver4")
                .details("audience", "arcgis-online");
    }

    @Test
    void exchangesLeaveNoUserSessionBehindAndReuseTheLink() {
        for (int i = 0; i < 3; i++) {
            assertEquals(200, exchangeForArcgis(issuer.accessToken(TokenSpec.forUser(TestUser.ALICE))).post(realm.getBaseUrl()).status());
        }
        String userId = aliceId();
        assertEquals(1, realm.admin().users().search("alice", true).size());
        assertEquals(0, realm.admin().users().get(userId).getUserSessions().size());
        assertEquals(1, realm.admin().users().get(userId).getFederatedIdentity().size());
    }

    @Test
    void audienceShapesOfIdentityServer4AreAllAccepted() {
        ProviderSettings.with(realm, "identityserver4", Map.of("acceptedAudiences", "arcgis-bridge##" + issuer.issuer() + "/resources"), () -> {
            for (TokenSpec spec : List.of(
                    TokenSpec.forUser(TestUser.ALICE).audience(Audience.STATIC_RESOURCES),
                    TokenSpec.forUser(TestUser.ALICE).apiResources("arcgis-bridge"),
                    TokenSpec.forUser(TestUser.ALICE).apiResources("arcgis-bridge", "reports-api"),
                    TokenSpec.forUser(TestUser.ALICE).scopeAsString())) {
                assertExchangedForAlice(exchangeForArcgis(issuer.accessToken(spec)).post(realm.getBaseUrl()));
            }
        });
    }

    @Test
    void tokensWithoutAudienceAreAcceptedWhenOnlyTheClientIdBinds() {
        // IdentityServer4's default when only API scopes are configured: no 'aud'; the client id binds the token instead.
        ProviderSettings.with(realm, "identityserver4", Map.of("acceptedAudiences", ""), () ->
                assertExchangedForAlice(exchangeForArcgis(issuer.accessToken(TokenSpec.forUser(TestUser.ALICE).audience(Audience.NONE)))
                        .post(realm.getBaseUrl())));
    }

    @Test
    void jwtSubjectTokenTypeAndRoutingByIssuerWithoutSubjectIssuer() {
        TokenEndpoint.Form form = new TokenEndpoint.Form().client("map-app", ArcgisRealmConfig.MAP_APP_SECRET)
                .add("grant_type", TokenEndpoint.TOKEN_EXCHANGE)
                .add("subject_token", issuer.accessToken(TokenSpec.forUser(TestUser.ALICE)))
                .add("subject_token_type", JWT)
                .add("audience", "arcgis-online");
        assertExchangedForAlice(form.post(realm.getBaseUrl()));
    }

    @Test
    void idTokenAsSubjectWhenAnAdministratorAcceptsThem() {
        ProviderSettings.with(realm, "identityserver4", Map.of("acceptIdTokens", "true"), () ->
                assertExchangedForAlice(exchange(issuer.idToken(TokenSpec.forUser(TestUser.ALICE)), ID_TOKEN)
                        .add("audience", "arcgis-online").post(realm.getBaseUrl())));
    }

    @Test
    void requestedIdTokenIsForTheRequesterAndTravelsInAccessTokenWithTokenTypeNotApplicable() {
        TokenEndpoint.Reply reply = exchange(issuer.accessToken(TokenSpec.forUser(TestUser.ALICE)), ACCESS_TOKEN)
                .add("requested_token_type", ID_TOKEN).post(realm.getBaseUrl());
        assertEquals(200, reply.status(), reply.toString());
        assertEquals(ID_TOKEN, reply.text("issued_token_type"));
        assertEquals("N_A", reply.text("token_type"));
        JsonNode idToken = reply.claims("access_token");
        assertEquals("ID", idToken.get("typ").asText());
        assertEquals("map-app", idToken.get("aud").asText());
        assertEquals("map-app", idToken.get("azp").asText());
        assertEquals(aliceId(), idToken.get("sub").asText());
    }

    @Test
    void requestedJwt() {
        TokenEndpoint.Reply reply = exchangeForArcgis(issuer.accessToken(TokenSpec.forUser(TestUser.ALICE)))
                .add("requested_token_type", JWT).post(realm.getBaseUrl());
        assertExchangedForAlice(reply);
        assertEquals(JWT, reply.text("issued_token_type"));
    }

    @Test
    void referenceTokenIsIntrospectedOnceThenServedFromCache() {
        String reference = issuer.referenceToken(TokenSpec.forUser(TestUser.ALICE));
        int before = issuer.introspectionRequests();
        for (int i = 0; i < 3; i++) {
            assertExchangedForAlice(exchangeForArcgis(reference).post(realm.getBaseUrl()));
        }
        assertEquals(1, issuer.introspectionRequests() - before);
    }

    @Test
    void resourceIndicatorSelectsTheClientItStandsFor() {
        ProviderSettings.with(realm, "identityserver4", Map.of("resourceIndicators", "https://api.example.org/maps=arcgis-online"), () -> {
            TokenEndpoint.Reply reply = exchange(issuer.accessToken(TokenSpec.forUser(TestUser.ALICE)), ACCESS_TOKEN)
                    .add("resource", "https://api.example.org/maps").post(realm.getBaseUrl());
            assertExchangedForAlice(reply);
            assertEquals(List.of("arcgis-online"), audiences(reply.claims("access_token")));
        });
    }

    @Test
    void withoutAudienceTheRequesterIsTheAudience() {
        TokenEndpoint.Reply reply = exchange(issuer.accessToken(TokenSpec.forUser(TestUser.ALICE)), ACCESS_TOKEN).post(realm.getBaseUrl());
        assertExchangedForAlice(reply);
        assertTrue(audiences(reply.claims("access_token")).contains("map-app"), reply.claims("access_token").toString());
    }

    @Test
    void scopeNarrowsTheDefaultScopes() {
        TokenEndpoint.Reply wide = exchangeForArcgis(issuer.accessToken(TokenSpec.forUser(TestUser.ALICE))).post(realm.getBaseUrl());
        TokenEndpoint.Reply narrow = exchangeForArcgis(issuer.accessToken(TokenSpec.forUser(TestUser.ALICE)))
                .add("scope", "email").post(realm.getBaseUrl());
        assertEquals(200, narrow.status(), narrow.toString());
        assertTrue(wide.text("scope").contains("profile"), wide.text("scope"));
        assertTrue(narrow.text("scope").contains("email"), narrow.text("scope"));
        assertFalse(narrow.text("scope").contains("profile"), narrow.text("scope"));
    }

    @Test
    void pairedPublicClientGetsCorsHeadersForItsWebOrigin() {
        TokenEndpoint.Reply reply = new TokenEndpoint.Form().client("map-web", null).origin("http://localhost:8081")
                .add("grant_type", TokenEndpoint.TOKEN_EXCHANGE)
                .add("subject_token", issuer.accessToken(TokenSpec.forUser(TestUser.ALICE)))
                .add("subject_token_type", ACCESS_TOKEN)
                .add("subject_issuer", "identityserver4")
                .add("audience", "arcgis-online")
                .post(realm.getBaseUrl());
        assertExchangedForAlice(reply);
        assertEquals("http://localhost:8081", reply.header("Access-Control-Allow-Origin"));
    }

    @Test
    void newUserIsNamedFromUserinfoOnceAndLinked() {
        int before = issuer.userInfoRequests();
        TokenEndpoint.Reply first = exchangeForArcgis(issuer.accessToken(TokenSpec.forUser(TestUser.BOB))).post(realm.getBaseUrl());
        TokenEndpoint.Reply second = exchangeForArcgis(issuer.accessToken(TokenSpec.forUser(TestUser.BOB))).post(realm.getBaseUrl());
        assertEquals(200, first.status(), first.toString());
        assertEquals(200, second.status());
        assertEquals(1, issuer.userInfoRequests() - before, "userinfo only for the first exchange");
        UserRepresentation bob = realm.admin().users().search("bob", true).get(0);
        assertEquals("bob@example.com", bob.getEmail());
        assertTrue(bob.isEmailVerified(), "trust email on, and IdentityServer4's userinfo says email_verified");
        assertEquals("Bob", bob.getFirstName());
        assertEquals("88421113", realm.admin().users().get(bob.getId()).getFederatedIdentity().get(0).getUserId());
    }

    @Test
    void signingKeysAreFetchedOnceAndARotatedKeyIsPickedUpWithoutRestart() throws InterruptedException {
        assertEquals(200, exchangeForArcgis(issuer.accessToken(TokenSpec.forUser(TestUser.ALICE))).post(realm.getBaseUrl()).status());
        int fetches = issuer.jwksRequests();
        for (int i = 0; i < 5; i++) {
            assertEquals(200, exchangeForArcgis(issuer.accessToken(TokenSpec.forUser(TestUser.ALICE))).post(realm.getBaseUrl()).status());
        }
        assertEquals(fetches, issuer.jwksRequests(), "cached keys serve every request");

        issuer.keys().rotate();
        Thread.sleep((BridgeServerConfig.KEY_REFETCH_THROTTLE_SECONDS + 1) * 1000L);
        TokenEndpoint.Reply reply = exchangeForArcgis(issuer.accessToken(TokenSpec.forUser(TestUser.ALICE))).post(realm.getBaseUrl());
        assertEquals(200, reply.status(), reply.toString());
        assertEquals(fetches + 1, issuer.jwksRequests(), "one refetch for the new kid");
    }

    private void assertExchangedForAlice(TokenEndpoint.Reply reply) {
        assertEquals(200, reply.status(), reply.toString());
        assertEquals(aliceId(), reply.claims("access_token").get("sub").asText());
    }

    private String aliceId() {
        List<UserRepresentation> found = realm.admin().users().search("alice", true);
        assertEquals(1, found.size());
        return found.get(0).getId();
    }

    /** The exchange's event, after the REGISTER event of a user created by it, if any. */
    private EventRepresentation exchangeEvent() {
        EventRepresentation event = events.poll();
        return event != null && EventType.REGISTER.name().equals(event.getType()) ? events.poll() : event;
    }

    static List<String> audiences(JsonNode token) {
        JsonNode aud = token.get("aud");
        if (aud == null) {
            return List.of();
        }
        return aud.isArray() ? StreamSupport.stream(aud.spliterator(), false).map(JsonNode::asText).toList() : List.of(aud.asText());
    }
}
