package io.github.arcgisbridge.keycloak.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.strings;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.keycloak.testframework.annotations.InjectRealm;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.keycloak.testframework.realm.ManagedRealm;
import org.quicktheories.api.Pair;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

import io.github.arcgisbridge.keycloak.fuzz.FuzzRuns;
import io.github.arcgisbridge.testbed.identityserver.IdentityServer4Issuer;
import io.github.arcgisbridge.testbed.identityserver.TestUser;
import io.github.arcgisbridge.testbed.identityserver.TokenSpec;
import io.github.arcgisbridge.testbed.identityserver.TokenSpec.Signing;

/**
 * Fuzzes the token endpoint of a real Keycloak with token-exchange requests built from the valid one by dropping,
 * duplicating and replacing parameters with wrong-typed, oversized, unicode, JSON and forged values, under every kind
 * of client authentication. Properties: never a 5xx; every 400/401/403 an OAuth error in JSON; a token only for a
 * request whose subject token is one of alice's genuine tokens; no user created and no link changed.
 */
@KeycloakIntegrationTest(config = BridgeServerConfig.class)
class RequestFuzzTest {

    static final int CASES = 1_500;

    private static final IdentityServer4Issuer ISSUER = Testbed.issuer();
    private static final String BASE64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    /** Known to IdentityServer4, never to Keycloak: a request that got a token for her would have created her. */
    private static final TestUser MALLORY = new TestUser("6660666", "mallory", "mallory", "mallory@example.com", "Mal", "Lory");

    @InjectRealm(config = ArcgisRealmConfig.class)
    ManagedRealm realm;

    /** The client authentication a request uses. */
    enum Client { MAP_APP, MAP_WEB_PUBLIC, WRONG_SECRET, UNKNOWN_CLIENT, NONE }

    /** One generated request; its text names the fields and value lengths, never whole tokens. */
    record FuzzRequest(Client client, List<String[]> fields) {
        @Override
        public String toString() {
            StringBuilder text = new StringBuilder(client.name());
            for (String[] field : fields) {
                String value = field[1].length() > 40 ? field[1].substring(0, 40) + "…(" + field[1].length() + ")" : field[1];
                text.append(" ").append(field[0]).append("=").append(value);
            }
            return text.toString();
        }
    }

    @Test
    void noRequestGetsAServerErrorAnUndeservedTokenOrAUser() {
        ISSUER.addUser(MALLORY);
        String alice = ISSUER.accessToken(TokenSpec.forUser(TestUser.ALICE));
        Set<String> genuine = Set.of(alice, ISSUER.referenceToken(TokenSpec.forUser(TestUser.ALICE)), ISSUER.idToken(TokenSpec.forUser(TestUser.ALICE)));
        assertEquals(200, TokenEndpoint.exchangeForArcgis(alice).post(realm.getBaseUrl()).status());
        RealmSnapshot before = RealmSnapshot.of(realm.admin());
        Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
        AtomicInteger cases = new AtomicInteger();

        FuzzRuns.qt("token endpoint requests", CASES).forAll(requests(genuine, forgeries(alice))).checkAssert(request -> {
            cases.incrementAndGet();
            TokenEndpoint.Reply reply = send(request);
            outcomes.computeIfAbsent(reply.status() + " " + reply.body().path("error").asText(""), s -> new AtomicInteger()).incrementAndGet();
            assertTrue(reply.status() < 500, () -> "HTTP " + reply.status() + " for " + request + ": " + reply.body());
            if (reply.status() == 400 || reply.status() == 401 || reply.status() == 403) {
                assertTrue(reply.body().path("error").isTextual(), () -> "no OAuth error for " + request + ": " + reply.body());
            }
            if (reply.status() == 200) {
                assertTrue(request.fields().stream().filter(f -> f[0].equals("subject_token")).allMatch(f -> genuine.contains(f[1])),
                        () -> "a token for a request without a genuine subject token: " + request);
            }
        });
        System.out.printf("[property] token endpoint requests: %d sent; HTTP status and error: %s%n", cases.get(), new TreeMap<>(outcomes));
        assertEquals(before, RealmSnapshot.of(realm.admin()), "no user created, no link changed");
        assertEquals(0, realm.admin().users().search(MALLORY.username(), true).size());
    }

    private TokenEndpoint.Reply send(FuzzRequest request) {
        TokenEndpoint.Form form = new TokenEndpoint.Form();
        switch (request.client()) {
            case MAP_APP -> form.client("map-app", ArcgisRealmConfig.MAP_APP_SECRET);
            case MAP_WEB_PUBLIC -> form.client("map-web", null);
            case WRONG_SECRET -> form.client("map-app", "map-web");
            case UNKNOWN_CLIENT -> form.client("ghost", "ghost-secret");
            case NONE -> { }
        }
        request.fields().forEach(field -> form.add(field[0], field[1]));
        return form.post(realm.getBaseUrl());
    }

    // ---- generators ---------------------------------------------------------------------------------------------

    /**
     * Mallory's tokens, forged: unpublished key, {@code none}, HS256 keyed with the public key, alice's signature
     * spliced on, a signature character changed, the same signature spelled non-canonically (different unused bits in
     * its last character, or padded), no signature, a fourth part.
     */
    private static List<String> forgeries(String alice) {
        String mallory = ISSUER.accessToken(TokenSpec.forUser(MALLORY));
        String[] m = mallory.split("\\.");
        String[] a = alice.split("\\.");
        int middle = m[2].length() / 2;
        char last = m[2].charAt(m[2].length() - 1);
        return List.of(ISSUER.accessToken(TokenSpec.forUser(MALLORY).signing(Signing.RS256_UNPUBLISHED_KEY)),
                ISSUER.accessToken(TokenSpec.forUser(MALLORY).signing(Signing.NONE)),
                ISSUER.accessToken(TokenSpec.forUser(MALLORY).signing(Signing.HS256_WITH_PUBLIC_KEY)),
                a[0] + "." + m[1] + "." + a[2],
                m[0] + "." + m[1] + "." + m[2].substring(0, middle) + (m[2].charAt(middle) == 'A' ? 'B' : 'A') + m[2].substring(middle + 1),
                m[0] + "." + m[1] + "." + m[2].substring(0, m[2].length() - 1) + BASE64URL.charAt(BASE64URL.indexOf(last) ^ 1),
                m[0] + "." + m[1] + "." + m[2] + "==",
                m[0] + "." + m[1] + ".",
                m[0] + "." + m[1] + "." + m[2] + "." + m[2]);
    }

    private static Gen<FuzzRequest> requests(Set<String> genuine, List<String> forgeries) {
        Gen<String> garbage = Generate.frequency(
                Pair.of(3, strings().allPossible().ofLengthBetween(0, 64)),
                Pair.of(2, Generate.pick(List.of("", " ", "null", "true", "-1", "1e309", "{\"sub\":\"818727\"}", "[\"arcgis-online\"]",
                        "{\"$ne\":null}", "\u0000", "a\r\nX-Injected: 1", "%00", "../../admin", "\uD83D\uDE00", "\u202Eevil",
                        "urn:ietf:params:oauth:token-type:", "arcgis-online arcgis-online"))),
                Pair.of(1, Generate.pick(List.of(16_385, 19_999, 20_001, 65_536)).map("A"::repeat)));
        Gen<String> tokens = Generate.frequency(Pair.of(2, Generate.pick(new ArrayList<>(genuine))),
                Pair.of(3, Generate.pick(forgeries)), Pair.of(2, garbage));
        Gen<String> tokenTypes = Generate.frequency(Pair.of(3, Generate.pick(List.of(TokenEndpoint.ACCESS_TOKEN, TokenEndpoint.ID_TOKEN,
                TokenEndpoint.JWT, "urn:ietf:params:oauth:token-type:refresh_token", "urn:ietf:params:oauth:token-type:saml2"))), Pair.of(1, garbage));
        Gen<String> names = Generate.frequency(Pair.of(3, Generate.pick(List.of("identityserver4", "arcgis", "arcgis-online", "map-app",
                "map-web", "ghost-app", "disabled-app", "http://localhost:1/sharing/rest", "https://evil.example.com/sharing/rest"))), Pair.of(1, garbage));
        Gen<String> grantTypes = Generate.frequency(Pair.of(9, Generate.constant(TokenEndpoint.TOKEN_EXCHANGE)),
                Pair.of(1, Generate.pick(List.of("client_credentials", "urn:ietf:params:oauth:grant-type:jwt-bearer", "password", ""))));
        Gen<String> parameterNames = Generate.pick(List.of("subject_token", "subject_token_type", "subject_issuer", "audience", "resource",
                "requested_token_type", "requested_issuer", "scope", "actor_token", "actor_token_type", "client_id", "grant_type",
                "client_assertion", "x", "subject_token[]", "SUBJECT_TOKEN"));
        Gen<String[]> extra = parameterNames.zip(Generate.frequency(Pair.of(1, tokens), Pair.of(1, names), Pair.of(1, tokenTypes)),
                (name, value) -> new String[] {name, value});

        Gen<String[]> grant = field("grant_type", grantTypes);
        Gen<String[]> subjectToken = field("subject_token", tokens);
        Gen<String[]> subjectTokenType = field("subject_token_type", tokenTypes);
        Gen<String[]> subjectIssuer = field("subject_issuer", names);
        Gen<String[]> audience = field("audience", names);
        Gen<List<String[]>> standard = grant.zip(subjectToken, subjectTokenType, subjectIssuer, (g, t, tt, i) -> fields(g, t, tt, i));
        Gen<List<String[]>> withAudience = standard.zip(audience, (fields, a) -> append(fields, a));
        Gen<List<String[]>> withExtras = withAudience.zip(Generate.range(0, 3), extra, extra, (fields, count, e1, e2) ->
                count == 0 ? fields : count == 1 ? append(fields, e1) : append(append(fields, e1), e2));
        // Mostly authenticated requesters, so most requests reach the exchange rather than stop at client authentication.
        Gen<Client> clients = Generate.frequency(Pair.of(6, Generate.constant(Client.MAP_APP)), Pair.of(2, Generate.constant(Client.MAP_WEB_PUBLIC)),
                Pair.of(1, Generate.pick(List.of(Client.WRONG_SECRET, Client.UNKNOWN_CLIENT, Client.NONE))));
        return clients.zip(withExtras, FuzzRequest::new);
    }

    /** The field with a generated value most of the time; otherwise left out (null). */
    private static Gen<String[]> field(String name, Gen<String> values) {
        Gen<String[]> present = values.map(value -> new String[] {name, value});
        return Generate.frequency(Pair.of(6, present), Pair.of(1, Generate.constant((String[]) null)));
    }

    private static List<String[]> fields(String[]... candidates) {
        List<String[]> fields = new ArrayList<>();
        for (String[] candidate : candidates) {
            if (candidate != null) {
                fields.add(candidate);
            }
        }
        return fields;
    }

    private static List<String[]> append(List<String[]> fields, String[] field) {
        List<String[]> longer = new ArrayList<>(fields);
        if (field != null) {
            longer.add(field);
        }
        return longer;
    }
}
