package io.github.arcgisbridge.keycloak.it;

import static io.github.arcgisbridge.keycloak.it.TokenEndpoint.ACCESS_TOKEN;
import static io.github.arcgisbridge.keycloak.it.TokenEndpoint.ID_TOKEN;
import static io.github.arcgisbridge.keycloak.it.TokenEndpoint.exchange;
import static io.github.arcgisbridge.keycloak.it.TokenEndpoint.exchangeForArcgis;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.Test;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.EventRepresentation;
import org.keycloak.representations.idm.FederatedIdentityRepresentation;
import org.keycloak.representations.idm.IdentityProviderMapperRepresentation;
import org.keycloak.representations.idm.IdentityProviderRepresentation;
import org.keycloak.representations.idm.RealmRepresentation;
import org.keycloak.representations.idm.UserRepresentation;
import org.keycloak.testframework.annotations.InjectAdminClient;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.keycloak.util.JsonSerialization;

import io.github.arcgisbridge.testbed.browser.Browser;
import io.github.arcgisbridge.testbed.http.Fault;
import io.github.arcgisbridge.testbed.identityserver.TestUser;
import io.github.arcgisbridge.testbed.identityserver.TokenSpec;

/**
 * The threat model of docs/security.md, walked as an attacker would: one test per attacker capability (the holder of
 * a leaked token, a malicious client, a malicious IdentityServer4 user, a network attacker between Keycloak and its
 * upstreams, a rogue ArcGIS member) and per finding of the security review. Each attack either fails with the
 * refusal, the event and the unchanged state the other suites check, or is shown to reach nothing.
 */
@KeycloakIntegrationTest(config = BridgeServerConfig.class)
class AttackSuiteTest extends ArcGisRealmTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @InjectAdminClient
    Keycloak server;

    // ---- the holder of a leaked token ---------------------------------------------------------------------------

    /** Finding 2: an ID token leaks easily (logout URLs carry it as id_token_hint); by default it opens nothing. */
    @Test
    void aLeakedIdentityServer4IdTokenOpensNothing() {
        TestUser victim = accounts.linked();
        String idToken = issuer.idToken(TokenSpec.forUser(victim));
        events.skipAll();
        RealmSnapshot before = RealmSnapshot.of(realm.admin());
        Refusals.assertRefused(events, exchange(idToken, ID_TOKEN).client("map-web", null).add("requested_issuer", "arcgis").post(realm.getBaseUrl()),
                400, "invalid_target", "audience_not_permitted");
        Refusals.assertRefused(events, exchange(idToken, ID_TOKEN).add("requested_issuer", "arcgis").post(realm.getBaseUrl()),
                400, "invalid_request", "id_token_not_accepted");
        Refusals.assertRefused(events, exchange(idToken, ID_TOKEN).client("map-web", null).add("audience", "arcgis-online").post(realm.getBaseUrl()),
                400, "invalid_request", "id_token_not_accepted");
        assertEquals(before, RealmSnapshot.of(realm.admin()));
    }

    /** Finding 2: the single-page app's tokens leak more easily than a backend's; they never reach the user's ArcGIS token. */
    @Test
    void aLeakedTokenOfTheSinglePageAppCannotFetchTheUsersArcGisToken() {
        TestUser victim = accounts.linked();
        events.skipAll();
        TokenEndpoint.Reply reply = exchange(issuer.accessToken(TokenSpec.forUser(victim)), ACCESS_TOKEN).client("map-web", null)
                .add("requested_issuer", "arcgis").post(realm.getBaseUrl());
        Refusals.assertRefused(events, reply, 400, "invalid_target", "audience_not_permitted");
        assertNull(reply.text("account-link-url"), "not even the way to link");
    }

    /**
     * Finding 1: Keycloak finds the user of a session-less token by {@code sub}, then by {@code preferred_username}. A
     * link whose user name names another user, with a scope that leaves Keycloak's own profile claims out, must not
     * make the token that other user's at userinfo or introspection.
     */
    @Test
    void anExchangedTokenIsNeverResolvedToAnotherUser() {
        TestUser attacker = accounts.unlinked();
        UserRepresentation victim = new UserRepresentation();
        victim.setUsername("victim-of-" + attacker.username());
        victim.setEnabled(true);
        realm.admin().users().create(victim).close();
        String attackerId = accounts.keycloakUser(attacker).getId();
        var attackerUser = realm.admin().users().get(attackerId);
        attackerUser.removeFederatedIdentity("identityserver4");
        FederatedIdentityRepresentation renamed = new FederatedIdentityRepresentation();
        renamed.setIdentityProvider("identityserver4");
        renamed.setUserId(attacker.subject());
        renamed.setUserName(victim.getUsername());
        attackerUser.addFederatedIdentity("identityserver4", renamed).close();

        TokenEndpoint.Reply reply = exchangeForArcgis(issuer.accessToken(TokenSpec.forUser(attacker))).add("scope", "openid email")
                .post(realm.getBaseUrl());
        assertEquals(200, reply.status(), reply.toString());
        String token = reply.text("access_token");
        assertEquals(attackerId, reply.claims("access_token").get("sub").asText());

        JsonNode userInfo = get(realm.getBaseUrl() + "/protocol/openid-connect/userinfo", token);
        assertEquals(attackerId, userInfo.path("sub").asText(), "userinfo: " + userInfo);
        JsonNode introspected = introspect(token);
        assertTrue(introspected.path("active").asBoolean(), introspected.toString());
        assertEquals(attackerId, introspected.path("sub").asText());
        assertNotEquals(victim.getUsername(), introspected.path("username").asText());
    }

    // ---- a malicious client --------------------------------------------------------------------------------------

    /** Finding 5: an ID token tells its audience who signed in to it; no client gets one made out to another client. */
    @Test
    void aClientCannotObtainAnIdTokenMadeOutToAnotherClient() {
        TestUser user = accounts.unlinked();
        events.skipAll();
        TokenEndpoint.Reply reply = exchangeForArcgis(issuer.accessToken(TokenSpec.forUser(user))).add("requested_token_type", ID_TOKEN)
                .post(realm.getBaseUrl());
        Refusals.assertRefused(events, reply, 400, "invalid_target", "id_token_only_for_requester");
    }

    /**
     * Finding 4: one resource, one meaning. The portal's sharing/rest mapped to the client ArcGIS signs in through
     * gives a Keycloak token for that client, never the member's raw ArcGIS token; and a configuration that would make
     * a name stand for both a client and an ArcGIS identity provider is refused when it is saved.
     */
    @Test
    void aResourceHasOneMeaningAndAmbiguousConfigurationIsRefusedOnSave() {
        TestUser user = accounts.linked();
        ProviderSettings.with(realm, "identityserver4", Map.of("resourceIndicators", portal.sharingRest() + "=arcgis-online"), () -> {
            TokenEndpoint.Reply reply = exchange(issuer.accessToken(TokenSpec.forUser(user)), ACCESS_TOKEN).add("resource", portal.sharingRest())
                    .post(realm.getBaseUrl());
            assertEquals(200, reply.status(), reply.toString());
            assertEquals(ACCESS_TOKEN, reply.text("issued_token_type"));
            assertEquals(List.of("arcgis-online"), ExchangeSuccessTest.audiences(reply.claims("access_token")), "a Keycloak token for arcgis-online");
            assertNull(reply.text("arcgis_token_kind"), "not the member's ArcGIS token");
        });

        ClientRepresentation namesake = ArcgisRealmConfig.client("arcgis", false, true);
        Response created = realm.admin().clients().create(namesake);
        created.close();
        try {
            IdentityProviderRepresentation identityServer4 = realm.admin().identityProviders().get("identityserver4").toRepresentation();
            String original = identityServer4.getConfig().get("resourceIndicators");
            identityServer4.getConfig().put("resourceIndicators", portal.sharingRest() + "=arcgis");
            BadRequestException refused = org.junit.jupiter.api.Assertions.assertThrows(BadRequestException.class,
                    () -> realm.admin().identityProviders().get("identityserver4").update(identityServer4));
            assertTrue(refused.getResponse().readEntity(String.class).contains("both a client and an ArcGIS identity provider"));
            assertEquals(original, realm.admin().identityProviders().get("identityserver4").toRepresentation().getConfig().get("resourceIndicators"));
        } finally {
            realm.admin().clients().findByClientId("arcgis").forEach(client -> realm.admin().clients().get(client.getId()).remove());
        }
    }

    /**
     * Finding 3: importing the shipped realm export as the README says leaves no known secret usable: clients get
     * secrets Keycloak generates, upstream secrets are vault references, placeholders are names nobody can claim.
     */
    @Test
    void theShippedRealmExportCarriesNoUsableSecretAndNoClaimablePlaceholder() throws IOException {
        String export = Files.readString(Path.of(ArcgisRealmConfig.REALM_EXPORT), StandardCharsets.UTF_8);
        RealmRepresentation shipped = JsonSerialization.readValue(export, RealmRepresentation.class);
        shipped.getClients().forEach(client -> assertNull(client.getSecret(), client.getClientId() + " ships a secret"));
        shipped.getIdentityProviders().forEach(idp -> idp.getConfig().forEach((key, value) -> {
            if (key.toLowerCase().contains("secret")) {
                assertTrue(value.startsWith("${vault."), idp.getAlias() + "." + key + " is not a vault reference");
            }
        }));
        Matcher hosts = Pattern.compile("https://([a-z0-9.-]+)").matcher(export);
        while (hosts.find()) {
            assertTrue(hosts.group(1).endsWith(".invalid"), "a placeholder someone could claim: " + hosts.group(1));
        }

        shipped.setRealm("arcgis-shipped");
        shipped.setId(null);
        server.realms().create(shipped);
        try {
            for (String[] known : new String[][] {{"map-app", "map-app-secret"}, {"arcgis-online", "arcgis-online-secret"}}) {
                ClientRepresentation client = server.realm("arcgis-shipped").clients().findByClientId(known[0]).get(0);
                String generated = server.realm("arcgis-shipped").clients().get(client.getId()).getSecret().getValue();
                assertTrue(generated.length() >= 32 && !generated.equals(known[1]), known[0] + " has a generated secret");
                TokenEndpoint.Reply reply = exchangeForArcgis(issuer.accessToken(TokenSpec.forUser(TestUser.ALICE))).client(known[0], known[1])
                        .post(realm.getBaseUrl().replace("/realms/arcgis", "/realms/arcgis-shipped"));
                assertEquals(401, reply.status(), "the formerly shipped secret of " + known[0] + " is refused: " + reply);
            }
        } finally {
            server.realm("arcgis-shipped").remove();
        }
    }

    // ---- a malicious IdentityServer4 user ------------------------------------------------------------------------

    /** Finding 6: the realm's user profile rules apply to users an exchange creates, as to a browser first login. */
    @Test
    void aProfileThatBreaksTheRealmsRulesCreatesNoUser() {
        TestUser evil = new TestUser("6660001", "evil<img src=x onerror=alert(1)>", "x", "evil@example.com", "Evil", "User");
        issuer.addUser(evil);
        events.skipAll();
        RealmSnapshot before = RealmSnapshot.of(realm.admin());
        TokenEndpoint.Reply reply = exchangeForArcgis(issuer.accessToken(TokenSpec.forUser(evil).withProfileClaims())).post(realm.getBaseUrl());
        Refusals.assertRefused(events, reply, 400, "invalid_request", "user_profile_invalid");
        assertEquals(before, RealmSnapshot.of(realm.admin()));
    }

    /** Finding 6: IdentityServer4's own email_verified counts, and the identity provider's mappers run on a first exchange. */
    @Test
    void anUnverifiedEmailStaysUnverifiedAndTheIdentityProvidersMappersRun() {
        IdentityProviderMapperRepresentation viewer = new IdentityProviderMapperRepresentation();
        viewer.setName("every user may see the app's content");
        viewer.setIdentityProviderAlias("identityserver4");
        viewer.setIdentityProviderMapper("oidc-hardcoded-role-idp-mapper");
        viewer.setConfig(Map.of("role", "arcgis-app-viewer", "syncMode", "INHERIT"));
        realm.admin().identityProviders().get("identityserver4").addMapper(viewer).close();
        TestUser unverified = new TestUser("6660002", "unverified", "x", "unverified@example.com", "Un", "Verified");
        issuer.addUser(unverified);

        TokenEndpoint.Reply reply = exchangeForArcgis(issuer.accessToken(TokenSpec.forUser(unverified).withProfileClaims()
                .claim("email_verified", false))).post(realm.getBaseUrl());
        assertEquals(200, reply.status(), reply.toString());
        UserRepresentation created = realm.admin().users().search("unverified", true).get(0);
        assertFalse(created.isEmailVerified(), "IdentityServer4 said the email is not verified");
        assertTrue(realm.admin().users().get(created.getId()).roles().realmLevel().listEffective().stream()
                .anyMatch(role -> role.getName().equals("arcgis-app-viewer")), "the mapper ran");
    }

    // ---- a network attacker between Keycloak and its upstreams ---------------------------------------------------

    /** Finding 7: ArcGIS tokens travel in headers and form bodies only; URLs end up in proxy and server logs. */
    @Test
    void noArcGisTokenEverTravelsInAUrl() {
        int before = portal.tokensInUrl();
        TestUser user = accounts.linked();
        assertEquals(200, accounts.exchangeForArcGisToken(user).post(realm.getBaseUrl()).status());
        Clocks.advance(time, Duration.ofMinutes(29));
        assertEquals(200, accounts.exchangeForArcGisToken(user).post(realm.getBaseUrl()).status());
        realm.admin().users().get(accounts.keycloakUser(user).getId()).removeFederatedIdentity("arcgis");
        assertEquals(before, portal.tokensInUrl(), "linking, exchanging, refreshing and revoking put no token in a URL");
    }

    /** Finding 8: a slow ArcGIS ties up a bounded number of request threads; the rest are told at once to retry. */
    @Test
    void aSlowArcGisTiesUpABoundedNumberOfRequests() throws Exception {
        TestUser user = accounts.linked();
        Clocks.advance(time, Duration.ofMinutes(29));
        portal.fault(Fault.SLOW);
        events.skipAll();
        int requests = BridgeServerConfig.ARCGIS_MAX_CONCURRENT_REFRESHES + 12;
        List<Timed> replies = timedConcurrently(requests, () -> accounts.exchangeForArcGisToken(user).post(realm.getBaseUrl()));
        portal.fault(Fault.NONE);
        List<Timed> turnedAway = replies.stream().filter(timed -> "1".equals(timed.reply().header("Retry-After"))).toList();
        assertEquals(requests - BridgeServerConfig.ARCGIS_MAX_CONCURRENT_REFRESHES, turnedAway.size(), replies.toString());
        turnedAway.forEach(timed -> {
            assertEquals(503, timed.reply().status());
            assertTrue(timed.millis() < 2_000, "turned away at once: " + timed.millis() + " ms");
        });
        replies.forEach(timed -> assertEquals(503, timed.reply().status(), timed.reply().toString()));
        int busy = 0;
        for (EventRepresentation event = events.poll(); event != null; event = events.poll()) {
            busy += "arcgis_busy".equals(event.getDetails() == null ? null : event.getDetails().get("reason")) ? 1 : 0;
        }
        assertEquals(turnedAway.size(), busy, "each one turned away is an event with its reason");
        assertEquals(200, accounts.exchangeForArcGisToken(user).post(realm.getBaseUrl()).status(), "fine once ArcGIS is back");
    }

    // ---- a rogue ArcGIS member -----------------------------------------------------------------------------------

    /** A member of another organisation signs in at ArcGIS while the user links: refused with a page saying why, nothing stored. */
    @Test
    void aMemberOfAnotherOrganisationIsNotLinked() {
        portal.acceptsAccountsOfOtherOrganizations(true);
        portal.addArcGisAccount("outsider", "outsider-pw", "Out Sider", "outsider@example.org", "otherorg00000000");
        assertLinkRefused(ArcGisAccounts.arcgisAccount("outsider", "outsider-pw"), "does not belong to this organisation", "arcgisLinkOutsideOrganization");
    }

    /** Login CSRF at ArcGIS: the victim's browser is signed in to the attacker's own account of the same organisation. */
    @Test
    void theAttackersOwnArcGisAccountIsNotLinkedToTheVictim() {
        portal.addArcGisAccount("insider", "insider-pw", "In Sider", "insider@example.org", portal.orgId());
        assertLinkRefused(ArcGisAccounts.arcgisAccount("insider", "insider-pw"), "is not the one your organisation sign-in gives you", "arcgisLinkNotYourAccount");
    }

    /** ArcGIS's login stays on IdentityServer4 ("beside"), and another member's IdentityServer4 session signs in there. */
    @Test
    void anotherMembersEnterpriseSignInIsNotLinked() {
        accounts.portalTrustsIdentityServer4();
        TestUser mallory = new TestUser("6660003", "mallory-gis", "mallory-pw", "mallory@example.com", "Mallory", "Gis");
        issuer.addUser(mallory);
        ArcGisAccounts.ArcGisSignIn asMallory = (browser, page) -> {
            Browser.Page login = browser.forget("idsrv.session").click(page, "oidc-login");
            return browser.submit(login, Map.of("username", mallory.username(), "password", mallory.password()));
        };
        assertLinkRefused(asMallory, "is not the one your organisation sign-in gives you", "arcgisLinkNotYourAccount");
    }

    private void assertLinkRefused(ArcGisAccounts.ArcGisSignIn signIn, String told, String eventError) {
        TestUser user = accounts.unlinked();
        int revocations = portal.revocations();
        events.skipAll();
        RealmSnapshot before = RealmSnapshot.of(realm.admin());
        Browser.Page page = accounts.link(user, signIn);
        assertEquals(400, page.status(), page.url());
        assertTrue(page.body().contains(told), page.body());
        assertNull(accounts.link(user), "nothing linked");
        assertEquals(before, RealmSnapshot.of(realm.admin()));
        EventRepresentation linkError = null;
        for (EventRepresentation event = events.poll(); event != null; event = events.poll()) {
            if ("FEDERATED_IDENTITY_LINK_ERROR".equals(event.getType())) {
                linkError = event;
            }
        }
        assertTrue(linkError != null && eventError.equals(linkError.getError()), "an audit event with the reason: " + linkError);
        long deadline = System.currentTimeMillis() + 10_000;
        while (portal.revocations() == revocations && System.currentTimeMillis() < deadline) {
            pause();
        }
        assertEquals(revocations + 1, portal.revocations(), "ArcGIS forgets the refused member's fresh authorization");
    }

    private record Timed(TokenEndpoint.Reply reply, long millis) { }

    private static List<Timed> timedConcurrently(int requests, java.util.function.Supplier<TokenEndpoint.Reply> request) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(requests);
        try {
            List<Future<Timed>> futures = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                futures.add(pool.submit(() -> {
                    long started = System.nanoTime();
                    TokenEndpoint.Reply reply = request.get();
                    return new Timed(reply, (System.nanoTime() - started) / 1_000_000);
                }));
            }
            List<Timed> results = new ArrayList<>();
            for (Future<Timed> future : futures) {
                results.add(future.get());
            }
            return results;
        } finally {
            pool.shutdownNow();
        }
    }

    private JsonNode introspect(String token) {
        String basic = Base64.getEncoder().encodeToString(("arcgis-online:" + ArcgisRealmConfig.ARCGIS_ONLINE_SECRET).getBytes(StandardCharsets.UTF_8));
        return send(HttpRequest.newBuilder(URI.create(realm.getBaseUrl() + "/protocol/openid-connect/token/introspect"))
                .header("Authorization", "Basic " + basic).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("token=" + token)).build());
    }

    private static JsonNode get(String url, String bearer) {
        return send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + bearer).GET().build());
    }

    private static JsonNode send(HttpRequest request) {
        try (InputStream body = HTTP.send(request, HttpResponse.BodyHandlers.ofInputStream()).body()) {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
