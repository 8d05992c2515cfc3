package io.github.arcgisbridge.keycloak.it;

import static io.github.arcgisbridge.keycloak.it.TokenEndpoint.exchangeForArcgis;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.keycloak.representations.idm.UserRepresentation;
import org.keycloak.testframework.annotations.InjectRealm;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.keycloak.testframework.realm.ManagedRealm;

import io.github.arcgisbridge.testbed.identityserver.IdentityServer4Issuer;
import io.github.arcgisbridge.testbed.identityserver.TestUser;
import io.github.arcgisbridge.testbed.identityserver.TokenSpec;

/**
 * A new user who opens the app in two tabs sends concurrent first exchanges: every one of them must succeed, for
 * the same single user, however the inserts race (the losers meet the unique constraint and reuse the winner's user).
 */
@KeycloakIntegrationTest(config = BridgeServerConfig.class)
class FirstExchangeRaceTest {

    private static final int SUBJECTS = 5;
    private static final int REQUESTS_PER_SUBJECT = 8;

    @InjectRealm(config = ArcgisRealmConfig.class)
    ManagedRealm realm;

    private final IdentityServer4Issuer issuer = Testbed.issuer();

    @Test
    void concurrentFirstExchangesForANewSubjectAllSucceedForOneUser() {
        for (int round = 0; round < SUBJECTS; round++) {
            TestUser newcomer = new TestUser("4242" + round, "frank" + round, "x", "frank" + round + "@example.com", "Frank", "Hill");
            issuer.addUser(newcomer);
            List<String> tokens = java.util.stream.IntStream.range(0, REQUESTS_PER_SUBJECT)
                    .mapToObj(i -> issuer.accessToken(TokenSpec.forUser(newcomer).withProfileClaims())).toList();
            java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
            List<TokenEndpoint.Reply> replies = Concurrently.send(REQUESTS_PER_SUBJECT, REQUESTS_PER_SUBJECT,
                    () -> exchangeForArcgis(tokens.get(next.getAndIncrement())).post(realm.getBaseUrl()));

            replies.forEach(reply -> assertEquals(200, reply.status(), reply.toString()));
            List<UserRepresentation> created = realm.admin().users().search(newcomer.username(), true);
            assertEquals(1, created.size());
            assertEquals(1, realm.admin().users().get(created.get(0).getId()).getFederatedIdentity().size());
            Set<String> subjects = replies.stream().map(reply -> reply.claims("access_token").get("sub").asText()).collect(Collectors.toSet());
            assertEquals(Set.of(created.get(0).getId()), subjects, "every request answered for the one user");
        }
    }
}
