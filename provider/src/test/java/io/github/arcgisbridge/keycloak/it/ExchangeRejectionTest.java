package io.github.arcgisbridge.keycloak.it;

import static io.github.arcgisbridge.keycloak.it.TokenEndpoint.ACCESS_TOKEN;
import static io.github.arcgisbridge.keycloak.it.TokenEndpoint.ID_TOKEN;
import static io.github.arcgisbridge.keycloak.it.TokenEndpoint.exchange;
import static io.github.arcgisbridge.keycloak.it.TokenEndpoint.exchangeForArcgis;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.keycloak.representations.idm.UserRepresentation;
import org.keycloak.testframework.annotations.InjectEvents;
import org.keycloak.testframework.annotations.InjectRealm;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.keycloak.testframework.events.Events;
import org.keycloak.testframework.realm.ManagedRealm;

import io.github.arcgisbridge.testbed.InProcessUpstreams;
import io.github.arcgisbridge.testbed.identityserver.IdentityServer4Issuer;
import io.github.arcgisbridge.testbed.identityserver.TestUser;
import io.github.arcgisbridge.testbed.identityserver.TokenSpec;
import io.github.arcgisbridge.testbed.identityserver.TokenSpec.Signing;

/**
 * Bad input of every kind. Each case asserts the HTTP status, the OAuth error code, the error event with its reason,
 * and that no user or federated link was created or changed.
 */
@KeycloakIntegrationTest(config = BridgeServerConfig.class)
class ExchangeRejectionTest {

    private static final IdentityServer4Issuer ISSUER = Testbed.issuer();

    @InjectRealm(config = ArcgisRealmConfig.class)
    ManagedRealm realm;

    @InjectEvents
    Events events;

    /** A bad request, and the refusal it must meet. */
    record Case(String name, Function<IdentityServer4Issuer, TokenEndpoint.Form> request, int status, String error, String reason) {
        @Override
        public String toString() {
            return name;
        }
    }

    @BeforeEach
    void aliceIsLinked() {
        // Alice exists and is linked before each case, so a case could only "change" her, never silently create her.
        TokenEndpoint.Reply reply = exchangeForArcgis(ISSUER.accessToken(alice())).post(realm.getBaseUrl());
        assertEquals(200, reply.status(), reply.toString());
        events.skipAll();
    }

    static Stream<Arguments> badRequests() {
        return Stream.of(
                // signature, algorithm and key
                refused("alg none", i -> arcgis(i.accessToken(alice().signing(Signing.NONE))), "algorithm_not_allowed"),
                refused("HS256 keyed with the issuer's public key", i -> arcgis(i.accessToken(alice().signing(Signing.HS256_WITH_PUBLIC_KEY))), "algorithm_not_allowed"),
                refused("key the issuer does not publish", i -> arcgis(i.accessToken(alice().signing(Signing.RS256_UNPUBLISHED_KEY))), "signing_key_unknown"),
                refused("jku header naming a foreign key set", i -> arcgis(i.accessToken(alice().signing(Signing.RS256_UNPUBLISHED_KEY)
                        .header("jku", "http://127.0.0.1:1/jwks"))), "signing_key_unknown"),
                refused("ES256 claimed for the issuer's RSA key", i -> arcgis(i.accessToken(alice().header("alg", "ES256"))), "key_type_mismatch"),
                refused("payload changed after signing", i -> arcgis(i.accessToken(alice().signing(Signing.TAMPERED_PAYLOAD))), "signature_invalid"),
                refused("critical header", i -> arcgis(i.accessToken(alice().header("crit", new String[] {"exp"}))), "critical_header_unsupported"),
                // issuer
                refused("foreign issuer", i -> arcgis(i.accessToken(alice().issuer("https://evil.example.com"))), "issuer_mismatch"),
                refused("issuer with trailing slash", i -> arcgis(i.accessToken(alice().issuer(i.issuer() + "/"))), "issuer_mismatch"),
                // times
                refused("expired", i -> arcgis(i.accessToken(alice().issuedAtShift(-600).lifetimeSeconds(300))), "token_expired"),
                refused("not valid yet", i -> arcgis(i.accessToken(alice().notBeforeShift(600))), "token_not_yet_valid"),
                refused("issued in the future", i -> arcgis(i.accessToken(alice().issuedAtShift(600).notBeforeShift(-600))), "issued_in_future"),
                refused("older than the maximum age", i -> arcgis(i.accessToken(alice().issuedAtShift(-7200).lifetimeSeconds(9000))), "token_too_old"),
                refused("no exp", i -> arcgis(i.accessToken(alice().without("exp"))), "expiry_missing"),
                refused("no iat while a maximum age is set", i -> arcgis(i.accessToken(alice().without("iat"))), "issued_at_missing"),
                refused("exp as a string", i -> arcgis(i.accessToken(alice().claim("exp", "tomorrow"))), "claim_malformed"),
                // token type confusion
                refused("access token without typ", i -> arcgis(i.accessToken(alice().header("typ", null))), "token_type_mismatch"),
                refused("ID token, not accepted by default", i -> exchange(i.idToken(alice()), ID_TOKEN).add("audience", "arcgis-online"), "id_token_not_accepted"),
                refused("ID token presented as an access token", i -> arcgis(i.idToken(alice())), "client_id_missing"),
                // audience, client binding, subject, scopes
                refused("token of another IdentityServer4 client", i -> arcgis(i.accessToken(alice().clientId("other-spa"))), "client_not_accepted"),
                refused("no client_id", i -> arcgis(i.accessToken(alice().without("client_id"))), "client_id_missing"),
                refused("client-credentials token (no user)", i -> arcgis(i.accessToken(alice().without("sub"))), "subject_missing"),
                refused("aud as a number", i -> arcgis(i.accessToken(alice().claim("aud", 42))), "claim_malformed"),
                refused("scope as an object", i -> arcgis(i.accessToken(alice().claim("scope", Map.of("a", "b")))), "claim_malformed"),
                // requester
                refusedWith("confidential client without exchange permission", i -> arcgis(i.accessToken(alice())).client("unlisted-app", "unlisted-app-secret"),
                        400, "unauthorized_client", "requester_not_permitted"),
                refusedWith("public client not opted in", i -> arcgis(i.accessToken(alice())).client("unlisted-spa", null),
                        400, "unauthorized_client", "requester_not_permitted"),
                // target
                refusedWith("audience the requester may not ask for", i -> exchange(i.accessToken(alice()), ACCESS_TOKEN).add("audience", "map-web"),
                        400, "invalid_target", "audience_not_permitted"),
                refusedWith("permitted audience that does not exist", i -> exchange(i.accessToken(alice()), ACCESS_TOKEN).add("audience", "ghost-app"),
                        400, "invalid_target", "audience_unknown"),
                refusedWith("disabled audience", i -> exchange(i.accessToken(alice()), ACCESS_TOKEN).add("audience", "disabled-app"),
                        400, "invalid_target", "audience_disabled"),
                refusedWith("unknown resource", i -> exchange(i.accessToken(alice()), ACCESS_TOKEN).add("resource", "https://evil.example.com/sharing/rest"),
                        400, "invalid_target", "resource_unknown"),
                refusedWith("id_token for two audiences", i -> arcgis(i.accessToken(alice())).add("audience", "map-app").add("requested_token_type", ID_TOKEN),
                        400, "invalid_target", "id_token_only_for_requester"),
                refusedWith("id_token for another client (a third party)", i -> arcgis(i.accessToken(alice())).add("requested_token_type", ID_TOKEN),
                        400, "invalid_target", "id_token_only_for_requester"),
                refusedWith("ArcGIS token together with an audience", i -> arcgis(i.accessToken(alice())).add("requested_issuer", "arcgis"),
                        400, "invalid_target", "target_ambiguous"),
                refusedWith("the ArcGIS portal as resource together with an audience", i -> arcgis(i.accessToken(alice()))
                        .add("resource", InProcessUpstreams.portal().sharingRest()), 400, "invalid_target", "target_ambiguous"),
                // scope
                refusedWith("optional scope (widening)", i -> arcgis(i.accessToken(alice())).add("scope", "offline_access"),
                        400, "invalid_scope", "scope_not_grantable"),
                refusedWith("unknown scope", i -> arcgis(i.accessToken(alice())).add("scope", "email admin"),
                        400, "invalid_scope", "scope_not_grantable"),
                // parameters and garbage
                refused("SAML subject_token_type", i -> exchange(i.accessToken(alice()), "urn:ietf:params:oauth:token-type:saml2").add("audience", "arcgis-online"), "subject_token_type_unsupported"),
                refused("refresh token requested", i -> arcgis(i.accessToken(alice())).add("requested_token_type", "urn:ietf:params:oauth:token-type:refresh_token"), "requested_token_type_unsupported"),
                refused("actor_token (delegation)", i -> arcgis(i.accessToken(alice())).add("actor_token", i.accessToken(alice())).add("actor_token_type", ACCESS_TOKEN), "actor_token_unsupported"),
                // above the provider's 16384-character limit, below Keycloak's own 20000-character limit for token parameters
                refused("oversized token", i -> arcgis(i.accessToken(alice().claim("padding", "x".repeat(12_000)))), "subject_token_too_large"),
                refused("three dots of garbage", i -> arcgis("a.b.c"), "subject_token_malformed"),
                refused("header that is not JSON", i -> arcgis("bm90IGpzb24." + i.accessToken(alice()).split("\\.", 2)[1]), "subject_token_malformed"),
                refused("duplicate claim names", i -> arcgis(duplicateSubject(i)), "subject_token_malformed"),
                refused("signed payload with a second JSON object after the claims", i -> arcgis(i.accessToken(alice()
                        .trailingPayload("{\"sub\":\"1\"}"))), "subject_token_malformed"),
                refused("signature spelled non-canonically (padded)", i -> arcgis(i.accessToken(alice()) + "=="), "subject_token_malformed"),
                refused("unicode garbage", i -> arcgis("\u00e9\u00e8\u2603"), "subject_token_malformed"),
                // reference tokens
                refused("unknown reference token", i -> arcgis("0123456789ABCDEF0123456789ABCDEF"), "token_inactive"),
                refused("revoked reference token", i -> arcgis(revoked(i)), "token_inactive"),
                refused("reference token as an ID token", i -> exchange(i.referenceToken(alice()), ID_TOKEN).add("audience", "arcgis-online"), "id_token_not_accepted")
        );
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void isRefusedWithoutSideEffects(Case bad) {
        RealmSnapshot before = RealmSnapshot.of(realm.admin());
        TokenEndpoint.Reply reply = bad.request().apply(ISSUER).post(realm.getBaseUrl());
        assertRefused(reply, bad.status(), bad.error(), bad.reason());
        assertEquals(before, RealmSnapshot.of(realm.admin()), "a refused exchange changes nothing");
    }

    @Test
    void wrongClientSecretStaysKeycloaksOwn401() {
        RealmSnapshot before = RealmSnapshot.of(realm.admin());
        TokenEndpoint.Reply reply = arcgis(ISSUER.accessToken(alice())).client("map-app", "wrong").post(realm.getBaseUrl());
        assertEquals(401, reply.status());
        assertEquals("unauthorized_client", reply.text("error"));
        assertNull(reply.text("access_token"));
        assertEquals(before, RealmSnapshot.of(realm.admin()));
    }

    @Test
    void userLockedOutByBruteForceDetectionIsRefused() {
        UserRepresentation alice = realm.admin().users().search("alice", true).get(0);
        org.keycloak.representations.idm.CredentialRepresentation password = new org.keycloak.representations.idm.CredentialRepresentation();
        password.setType("password");
        password.setValue("a-keycloak-password");
        password.setTemporary(false);
        realm.admin().users().get(alice.getId()).resetPassword(password);
        try {
            for (int attempt = 0; attempt < 5; attempt++) {
                new TokenEndpoint.Form().client("password-login", null).add("grant_type", "password")
                        .add("username", "alice").add("password", "wrong").post(realm.getBaseUrl());
            }
            events.skipAll();
            TokenEndpoint.Reply reply = arcgis(ISSUER.accessToken(alice())).post(realm.getBaseUrl());
            assertRefused(reply, 400, "invalid_request", "user_locked_out");
        } finally {
            realm.admin().attackDetection().clearBruteForceForUser(alice.getId());
            realm.admin().users().get(alice.getId()).credentials().forEach(credential ->
                    realm.admin().users().get(alice.getId()).removeCredential(credential.getId()));
        }
    }

    @Test
    void disabledUserIsRefused() {
        UserRepresentation alice = realm.admin().users().search("alice", true).get(0);
        realm.updateUserWithCleanup("alice", user -> user.enabled(false));
        TokenEndpoint.Reply reply = arcgis(ISSUER.accessToken(alice())).post(realm.getBaseUrl());
        assertRefused(reply, 400, "invalid_request", "user_disabled");
        assertFalse(reply.text("error_description").contains("disabled"), reply.text("error_description"));
        assertEquals(alice.getId(), realm.admin().users().search("alice", true).get(0).getId());
    }

    @Test
    void usernameOrEmailOfAnUnlinkedUserIsNeverTakenOver() {
        TestUser carol = new TestUser("5551212", "carol", "carol", "carol@example.com", "Carol", "Jones");
        TestUser carolsTwin = new TestUser("5551213", "carol-two", "x", "carol@example.com", "Carol", "Twin");
        ISSUER.addUser(carol);
        ISSUER.addUser(carolsTwin);
        UserRepresentation existing = new UserRepresentation();
        existing.setUsername("carol");
        existing.setEmail("carol@example.com");
        existing.setEnabled(true);
        realm.admin().users().create(existing).close();
        try {
            RealmSnapshot before = RealmSnapshot.of(realm.admin());
            TokenEndpoint.Reply usernameTaken = arcgis(ISSUER.accessToken(TokenSpec.forUser(carol))).post(realm.getBaseUrl());
            assertRefused(usernameTaken, 400, "invalid_request", "username_taken");
            TokenEndpoint.Reply emailTaken = arcgis(ISSUER.accessToken(TokenSpec.forUser(carolsTwin))).post(realm.getBaseUrl());
            assertRefused(emailTaken, 400, "invalid_request", "email_taken");
            // The caller learns nothing about which accounts exist; the event's reason tells the administrator.
            assertEquals(usernameTaken.text("error_description"), emailTaken.text("error_description"));
            assertFalse(emailTaken.text("error_description").contains("email"), emailTaken.text("error_description"));
            assertEquals(before, RealmSnapshot.of(realm.admin()));
            UserRepresentation stillCarol = realm.admin().users().search("carol", true).get(0);
            assertEquals(0, realm.admin().users().get(stillCarol.getId()).getFederatedIdentity().size());
        } finally {
            realm.admin().users().search("carol", true).forEach(u -> realm.admin().users().get(u.getId()).remove());
        }
    }

    @Test
    void settingsOfTheIdentityProviderAreEnforced() {
        TestUser dave = new TestUser("777", "dave", "dave", "dave@example.com", "Dave", "Doe");
        ISSUER.addUser(dave);
        withSetting("createUsers", "false", () ->
                assertRefused(arcgis(ISSUER.accessToken(TokenSpec.forUser(dave))).post(realm.getBaseUrl()), 400, "invalid_request", "user_not_linked"));
        withSetting("requiredScopes", "arcgis.write", () ->
                assertRefused(arcgis(ISSUER.accessToken(alice())).post(realm.getBaseUrl()), 400, "invalid_request", "required_scope_missing"));
        withSetting("acceptedAudiences", "reports-api", () ->
                assertRefused(arcgis(ISSUER.accessToken(alice())).post(realm.getBaseUrl()), 400, "invalid_request", "audience_not_accepted"));
        withSettings(Map.of("acceptedClientIds", "", "acceptedAudiences", ""), () ->
                assertRefused(arcgis(ISSUER.accessToken(alice())).post(realm.getBaseUrl()), 400, "invalid_request", "no_trust_configured"));
        withSetting("acceptedClientIds", "map-spa##other-spa", () -> assertRefused(
                arcgis(ISSUER.accessToken(alice().clientId("other-spa"))).client("map-web", null).post(realm.getBaseUrl()),
                400, "invalid_request", "subject_client_not_paired"));
        withSetting("publicClients", "", () -> assertRefused(
                arcgis(ISSUER.accessToken(alice())).client("map-web", null).post(realm.getBaseUrl()),
                400, "unauthorized_client", "public_client_not_opted_in"));
        withSetting("introspectionApiName", "", () ->
                assertRefused(arcgis(ISSUER.referenceToken(alice())).post(realm.getBaseUrl()), 400, "invalid_request", "reference_tokens_not_configured"));
        withSetting("acceptIdTokens", "true", () -> {
            assertRefused(exchange(ISSUER.accessToken(alice()), ID_TOKEN).add("audience", "arcgis-online").post(realm.getBaseUrl()),
                    400, "invalid_request", "token_type_mismatch");
            assertRefused(exchange(ISSUER.idToken(alice().clientId("other-spa")), ID_TOKEN).add("audience", "arcgis-online").post(realm.getBaseUrl()),
                    400, "invalid_request", "client_not_accepted");
            assertRefused(exchange(ISSUER.idToken(alice()), ID_TOKEN).add("audience", "arcgis-online").client("map-web", null).post(realm.getBaseUrl()),
                    400, "invalid_request", "id_token_not_accepted");
        });
        withSetting("userInfoUrl", "", () ->
                assertRefused(arcgis(ISSUER.accessToken(TokenSpec.forUser(dave))).post(realm.getBaseUrl()), 400, "invalid_request", "username_claim_missing"));
        // Switching signature validation off in the OpenID Connect settings does not switch it off for exchanges.
        withSettings(Map.of("validateSignature", "false", "useJwksUrl", "false", "jwksUrl", ""), () ->
                assertRefused(arcgis(ISSUER.accessToken(alice())).post(realm.getBaseUrl()), 400, "invalid_request", "keys_not_configured"));
        assertEquals(0, realm.admin().users().search("dave", true).size());
    }

    private void withSetting(String key, String value, Runnable check) {
        withSettings(Map.of(key, value), check);
    }

    /** Runs a check with some identity provider settings changed, asserting it changed no user or link, then restores them. */
    private void withSettings(Map<String, String> settings, Runnable check) {
        ProviderSettings.with(realm, "identityserver4", settings, () -> {
            RealmSnapshot before = RealmSnapshot.of(realm.admin());
            check.run();
            assertEquals(before, RealmSnapshot.of(realm.admin()));
        });
    }

    private void assertRefused(TokenEndpoint.Reply reply, int status, String error, String reason) {
        Refusals.assertRefused(events, reply, status, error, reason);
    }

    private static Arguments refused(String name, Function<IdentityServer4Issuer, TokenEndpoint.Form> request, String reason) {
        return refusedWith(name, request, 400, "invalid_request", reason);
    }

    private static Arguments refusedWith(String name, Function<IdentityServer4Issuer, TokenEndpoint.Form> request, int status,
                                         String error, String reason) {
        return Arguments.of(new Case(name, request, status, error, reason));
    }

    private static TokenSpec alice() {
        return TokenSpec.forUser(TestUser.ALICE);
    }

    private static TokenEndpoint.Form arcgis(String subjectToken) {
        return exchangeForArcgis(subjectToken);
    }

    private static String revoked(IdentityServer4Issuer issuer) {
        String reference = issuer.referenceToken(alice());
        issuer.revoke(reference);
        return reference;
    }

    /** A correctly signed token whose payload names 'sub' twice: strict parsers refuse it, lenient ones pick one. */
    private static String duplicateSubject(IdentityServer4Issuer issuer) {
        String honest = issuer.accessToken(alice());
        String[] parts = honest.split("\\.");
        String payload = new String(java.util.Base64.getUrlDecoder().decode(parts[1]), java.nio.charset.StandardCharsets.UTF_8);
        String forged = payload.replaceFirst("\\{", "{\"sub\":\"1\",");
        return parts[0] + "." + java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString(forged.getBytes(java.nio.charset.StandardCharsets.UTF_8)) + "." + parts[2];
    }

}
