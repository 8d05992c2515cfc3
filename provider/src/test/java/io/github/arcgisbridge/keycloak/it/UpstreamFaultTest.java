package io.github.arcgisbridge.keycloak.it;

import static io.github.arcgisbridge.keycloak.it.Refusals.assertRefused;
import static io.github.arcgisbridge.keycloak.it.Refusals.assertRefusedAmongOthers;
import static io.github.arcgisbridge.keycloak.it.TokenEndpoint.exchangeForArcgis;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.keycloak.testframework.annotations.InjectEvents;
import org.keycloak.testframework.annotations.InjectRealm;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.keycloak.testframework.events.Events;
import org.keycloak.testframework.realm.ManagedRealm;

import io.github.arcgisbridge.testbed.http.Fault;
import io.github.arcgisbridge.testbed.identityserver.IdentityServer4Issuer;
import io.github.arcgisbridge.testbed.identityserver.IdentityServer4Issuer.Upstream;
import io.github.arcgisbridge.testbed.identityserver.TestUser;
import io.github.arcgisbridge.testbed.identityserver.TokenSpec;
import io.github.arcgisbridge.testbed.identityserver.TokenSpec.Signing;

/**
 * The IdentityServer4 endpoints the exchange depends on (JWKS, introspection, userinfo) going down, slow, or
 * answering garbage, alone and under concurrent load. Each case: a clear OAuth error (503 {@code temporarily_unavailable}
 * when the upstream is at fault) or continued service from what is cached, never a 500, a slow upstream cut off by
 * Keycloak's HTTP client timeout (5 s socket timeout by default) without holding up other requests, and no user or
 * link created or changed. The ArcGIS portal's faults are in {@link ArcGisTokenExchangeTest}.
 */
@KeycloakIntegrationTest(config = BridgeServerConfig.class)
@ExtendWith(TestbedDefaults.class)
class UpstreamFaultTest {

    private static final IdentityServer4Issuer ISSUER = Testbed.issuer();
    private static final long KEY_REFETCH_WAIT_MILLIS = (BridgeServerConfig.KEY_REFETCH_THROTTLE_SECONDS + 1) * 1000L;

    @InjectRealm(config = ArcgisRealmConfig.class)
    ManagedRealm realm;

    @InjectEvents
    Events events;

    @BeforeEach
    void aliceIsLinkedAndTheKeysAreCached() {
        assertEquals(200, exchangeForArcgis(ISSUER.accessToken(alice())).post(realm.getBaseUrl()).status());
        events.skipAll();
    }

    // ---- JWKS -----------------------------------------------------------------------------------------------

    @Test
    void jwksDownAfterWarmUpCachedKeysServeConcurrentLoadWithoutAFetch() throws Exception {
        int fetches = ISSUER.jwksRequests();
        ISSUER.fault(Upstream.JWKS, Fault.HTTP_503);
        List<TokenEndpoint.Reply> replies = Concurrently.send(8, 40, () -> exchangeForArcgis(ISSUER.accessToken(alice())).post(realm.getBaseUrl()));
        replies.forEach(reply -> assertEquals(200, reply.status(), reply.toString()));
        assertEquals(fetches, ISSUER.jwksRequests(), "known keys are never fetched again");
        events.skipAll();

        Thread.sleep(KEY_REFETCH_WAIT_MILLIS);
        RealmSnapshot before = RealmSnapshot.of(realm.admin());
        assertRefused(events, exchangeForArcgis(ISSUER.accessToken(alice().signing(Signing.RS256_UNPUBLISHED_KEY))).post(realm.getBaseUrl()),
                503, "temporarily_unavailable", "keys_unavailable");
        assertEquals(before, RealmSnapshot.of(realm.admin()));
    }

    @ParameterizedTest
    @EnumSource(value = Fault.class, names = {"GARBAGE", "MALFORMED_JSON", "WRONG_SHAPE"})
    void jwksAnsweringGarbageIsUnavailableForNewKeysWhileCachedKeysKeepWorking(Fault fault) throws InterruptedException {
        ISSUER.fault(Upstream.JWKS, fault);
        Thread.sleep(KEY_REFETCH_WAIT_MILLIS);
        RealmSnapshot before = RealmSnapshot.of(realm.admin());
        assertRefused(events, exchangeForArcgis(ISSUER.accessToken(alice().signing(Signing.RS256_UNPUBLISHED_KEY))).post(realm.getBaseUrl()),
                503, "temporarily_unavailable", "keys_unavailable");
        assertEquals(200, exchangeForArcgis(ISSUER.accessToken(alice())).post(realm.getBaseUrl()).status(), "the cached key still serves");
        assertEquals(before, RealmSnapshot.of(realm.admin()));
    }

    @Test
    void slowJwksIsCutOffByTheTimeoutAndHoldsUpNoOtherRequest() throws InterruptedException {
        ISSUER.fault(Upstream.JWKS, Fault.SLOW);
        Thread.sleep(KEY_REFETCH_WAIT_MILLIS);
        RealmSnapshot before = RealmSnapshot.of(realm.admin());
        AlongsideSlowRequest.Outcome outcome = AlongsideSlowRequest.run(
                () -> exchangeForArcgis(ISSUER.accessToken(alice().signing(Signing.RS256_UNPUBLISHED_KEY))).post(realm.getBaseUrl()),
                () -> exchangeForArcgis(ISSUER.accessToken(alice())).post(realm.getBaseUrl()), 20);
        assertCutOffWithoutHoldingUpOthers(outcome, "keys_unavailable");
        assertEquals(before, RealmSnapshot.of(realm.admin()));
    }

    @Test
    void keysRotatedMidLoadAreFetchedOnceAndNoRequestFails() throws Exception {
        Thread.sleep(KEY_REFETCH_WAIT_MILLIS);
        int fetches = ISSUER.jwksRequests();
        AtomicBoolean rotated = new AtomicBoolean();
        List<TokenEndpoint.Reply> replies = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> clients = new ArrayList<>();
            long end = System.currentTimeMillis() + 4000;
            for (int c = 0; c < 4; c++) {
                clients.add(pool.submit(() -> {
                    while (System.currentTimeMillis() < end) {
                        // Each request signs with whatever key the issuer uses at that moment.
                        replies.add(exchangeForArcgis(ISSUER.accessToken(alice())).post(realm.getBaseUrl()));
                    }
                }));
            }
            Thread.sleep(1500);
            ISSUER.keys().rotate();
            rotated.set(true);
            for (Future<?> client : clients) {
                client.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(rotated.get());
        assertTrue(replies.size() > 8, "load ran: " + replies.size());
        replies.forEach(reply -> assertEquals(200, reply.status(), reply.toString()));
        assertEquals(fetches + 1, ISSUER.jwksRequests(), "the new key was fetched once, by one request, for all of them");
    }

    // ---- introspection --------------------------------------------------------------------------------------

    static Stream<Arguments> introspectionFaults() {
        return Stream.concat(unavailable("introspection_unavailable", Fault.HTTP_503, Fault.GARBAGE, Fault.MALFORMED_JSON),
                // "active": "true" (a string) is not the boolean true: the token is not taken as active.
                Stream.of(Arguments.of(Fault.WRONG_SHAPE, 400, "invalid_request", "token_inactive")));
    }

    @ParameterizedTest
    @MethodSource("introspectionFaults")
    void introspectionMisbehavingIsAClearErrorAndChangesNothing(Fault fault, int status, String error, String reason) {
        ISSUER.fault(Upstream.INTROSPECTION, fault);
        RealmSnapshot before = RealmSnapshot.of(realm.admin());
        assertRefused(events, exchangeForArcgis(ISSUER.referenceToken(alice())).post(realm.getBaseUrl()), status, error, reason);
        assertEquals(before, RealmSnapshot.of(realm.admin()));
    }

    @Test
    void slowIntrospectionIsCutOffByTheTimeoutAndHoldsUpNoOtherRequest() {
        ISSUER.fault(Upstream.INTROSPECTION, Fault.SLOW);
        RealmSnapshot before = RealmSnapshot.of(realm.admin());
        AlongsideSlowRequest.Outcome outcome = AlongsideSlowRequest.run(
                () -> exchangeForArcgis(ISSUER.referenceToken(alice())).post(realm.getBaseUrl()),
                () -> exchangeForArcgis(ISSUER.accessToken(alice())).post(realm.getBaseUrl()), 20);
        assertCutOffWithoutHoldingUpOthers(outcome, "introspection_unavailable");
        assertEquals(before, RealmSnapshot.of(realm.admin()));
    }

    @Test
    void aCachedIntrospectionResultKeepsServingWhileIntrospectionIsDown() {
        String reference = ISSUER.referenceToken(alice());
        assertEquals(200, exchangeForArcgis(reference).post(realm.getBaseUrl()).status());
        int introspections = ISSUER.introspectionRequests();
        ISSUER.fault(Upstream.INTROSPECTION, Fault.HTTP_503);
        List<TokenEndpoint.Reply> replies = Concurrently.send(4, 20, () -> exchangeForArcgis(reference).post(realm.getBaseUrl()));
        replies.forEach(reply -> assertEquals(200, reply.status(), reply.toString()));
        assertEquals(introspections, ISSUER.introspectionRequests());
    }

    // ---- userinfo (asked only while naming a user about to be created) ----------------------------------------

    static Stream<Arguments> userInfoFaults() {
        return Stream.concat(unavailable("userinfo_unavailable", Fault.HTTP_503, Fault.GARBAGE, Fault.MALFORMED_JSON, Fault.SLOW),
                // "sub": [1] is not the token's subject: the profile belongs to nobody we know.
                Stream.of(Arguments.of(Fault.WRONG_SHAPE, 400, "invalid_request", "userinfo_subject_mismatch")));
    }

    @ParameterizedTest
    @MethodSource("userInfoFaults")
    void userInfoMisbehavingCreatesNoUser(Fault fault, int status, String error, String reason) {
        TestUser newcomer = new TestUser("31337" + fault.ordinal(), "newcomer" + fault.ordinal(), "x",
                "newcomer" + fault.ordinal() + "@example.com", "New", "Comer");
        ISSUER.addUser(newcomer);
        ISSUER.fault(Upstream.USERINFO, fault);
        RealmSnapshot before = RealmSnapshot.of(realm.admin());
        assertRefused(events, exchangeForArcgis(ISSUER.accessToken(TokenSpec.forUser(newcomer))).post(realm.getBaseUrl()), status, error, reason);
        assertEquals(before, RealmSnapshot.of(realm.admin()));
        assertEquals(0, realm.admin().users().search(newcomer.username(), true).size());
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    /** Faults that make the upstream unusable: each must be answered 503 temporarily_unavailable with the reason. */
    private static Stream<Arguments> unavailable(String reason, Fault... faults) {
        return Stream.of(faults).map(fault -> Arguments.of(fault, 503, "temporarily_unavailable", reason));
    }

    private void assertCutOffWithoutHoldingUpOthers(AlongsideSlowRequest.Outcome outcome, String reason) {
        assertRefusedAmongOthers(events, outcome.slow(), 503, "temporarily_unavailable", reason);
        assertTrue(outcome.slowMillis() < Fault.SLOW_DELAY_MILLIS,
                "cut off by the timeout (" + outcome.slowMillis() + " ms) before the upstream answered");
        outcome.others().forEach(reply -> assertEquals(200, reply.status(), reply.toString()));
        assertTrue(outcome.othersMillis() < outcome.slowMillis(),
                "the other requests were answered (" + outcome.othersMillis() + " ms) while the slow one hung (" + outcome.slowMillis() + " ms)");
    }

    private static TokenSpec alice() {
        return TokenSpec.forUser(TestUser.ALICE);
    }
}
