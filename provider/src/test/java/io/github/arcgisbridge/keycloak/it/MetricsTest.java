package io.github.arcgisbridge.keycloak.it;

import static io.github.arcgisbridge.keycloak.it.TokenEndpoint.exchangeForArcgis;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;

import io.github.arcgisbridge.testbed.identityserver.TestUser;
import io.github.arcgisbridge.testbed.identityserver.TokenSpec;

/**
 * The extension's meters on Keycloak's own metrics endpoint (management port, {@code --metrics-enabled}): each
 * counter moves by exactly the requests this test sends, and no tag carries a user, a subject or a token.
 */
@KeycloakIntegrationTest(config = BridgeServerConfig.class)
class MetricsTest extends ArcGisRealmTest {

    private static final String METRICS = "http://localhost:9000/metrics";
    private static final Pattern SAMPLE = Pattern.compile("^(keycloak_arcgis_bridge_[a-z_]+)\\{([^}]*)\\} ([0-9.eE+-]+)$");
    private static final Set<String> TAG_KEYS = Set.of("realm", "target", "outcome", "reason", "upstream", "result", "le");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Test
    void exchangesAreCountedByTargetOutcomeAndReasonWithTheirLatency() {
        exchangeForArcgis(issuer.accessToken(TokenSpec.forUser(TestUser.ALICE))).post(realm.getBaseUrl());
        Map<String, Double> before = scrape();
        assertEquals(200, exchangeForArcgis(issuer.accessToken(TokenSpec.forUser(TestUser.ALICE))).post(realm.getBaseUrl()).status());
        exchangeForArcgis(issuer.accessToken(TokenSpec.forUser(TestUser.ALICE).signing(TokenSpec.Signing.NONE))).post(realm.getBaseUrl());
        Map<String, Double> after = scrape();

        String success = "keycloak_arcgis_bridge_exchanges_seconds_count{outcome=\"success\",realm=\"arcgis\",reason=\"none\",target=\"keycloak_token\"}";
        String refused = "keycloak_arcgis_bridge_exchanges_seconds_count{outcome=\"refused\",realm=\"arcgis\",reason=\"algorithm_not_allowed\","
                + "target=\"keycloak_token\"}";
        assertEquals(1, delta(before, after, success), success);
        assertEquals(1, delta(before, after, refused), refused);
        assertTrue(after.get(success.replace("_count{", "_sum{")) > 0, "latency recorded");
    }

    @Test
    void upstreamCallsTheIntrospectionCacheAndNewUsersAreCounted() {
        exchangeForArcgis(issuer.accessToken(TokenSpec.forUser(TestUser.ALICE))).post(realm.getBaseUrl());
        Map<String, Double> before = scrape();
        String reference = issuer.referenceToken(TokenSpec.forUser(TestUser.ALICE));
        exchangeForArcgis(reference).post(realm.getBaseUrl());
        exchangeForArcgis(reference).post(realm.getBaseUrl());
        TestUser newcomer = new TestUser("5550001", "metered", "x", "metered@example.com", "Me", "Tered");
        issuer.addUser(newcomer);
        assertEquals(200, exchangeForArcgis(issuer.accessToken(TokenSpec.forUser(newcomer))).post(realm.getBaseUrl()).status());
        Map<String, Double> after = scrape();

        assertEquals(1, delta(before, after, "keycloak_arcgis_bridge_introspection_cache_total{result=\"miss\"}"));
        assertEquals(1, delta(before, after, "keycloak_arcgis_bridge_introspection_cache_total{result=\"hit\"}"));
        assertEquals(1, delta(before, after, "keycloak_arcgis_bridge_upstream_requests_seconds_count{outcome=\"ok\",upstream=\"introspection\"}"));
        assertEquals(1, delta(before, after, "keycloak_arcgis_bridge_upstream_requests_seconds_count{outcome=\"ok\",upstream=\"userinfo\"}"));
        assertEquals(1, delta(before, after, "keycloak_arcgis_bridge_registrations_total{result=\"created\"}"));
    }

    @Test
    void theVaultAndArcGisCallsAreCountedAndNoTagNamesAUserOrToken() {
        TestUser user = accounts.linked();
        Map<String, Double> before = scrape();
        String token = accounts.exchangeForArcGisToken(user).post(realm.getBaseUrl()).text("access_token");
        accounts.exchangeForArcGisToken(user).add("refused_token", token).post(realm.getBaseUrl());
        Map<String, Double> after = scrape();

        assertEquals(1, delta(before, after, "keycloak_arcgis_bridge_vault_total{result=\"cached\"}"));
        assertEquals(1, delta(before, after, "keycloak_arcgis_bridge_vault_total{result=\"refreshed\"}"));
        assertEquals(1, delta(before, after, "keycloak_arcgis_bridge_upstream_requests_seconds_count{outcome=\"ok\",upstream=\"arcgis_token\"}"));
        assertEquals(2, delta(before, after,
                "keycloak_arcgis_bridge_exchanges_seconds_count{outcome=\"success\",realm=\"arcgis\",reason=\"none\",target=\"arcgis_token\"}"));

        List<String> forbidden = List.of(user.username(), user.subject(), accounts.keycloakUser(user).getId(), token, "eyJ");
        for (String series : after.keySet()) {
            Matcher tags = Pattern.compile("([a-z_]+)=\"([^\"]*)\"").matcher(series);
            while (tags.find()) {
                assertTrue(TAG_KEYS.contains(tags.group(1)), "unexpected tag in " + series);
                forbidden.forEach(value -> assertFalse(tags.group(2).contains(value), "a tag names a user or token: " + series));
            }
        }
    }

    /** Every counter value exists from the start, so that Prometheus's rate() and increase() see its first event. */
    @Test
    void countersExistBeforeTheirFirstEvent() {
        Map<String, Double> samples = scrape();
        List<String> series = List.of(
                "keycloak_arcgis_bridge_vault_total{result=\"busy\"}",
                "keycloak_arcgis_bridge_vault_total{result=\"renewed\"}",
                "keycloak_arcgis_bridge_revocations_total{result=\"failed\"}",
                "keycloak_arcgis_bridge_registrations_total{result=\"reused\"}",
                "keycloak_arcgis_bridge_upstream_requests_seconds_count{outcome=\"unavailable\",upstream=\"arcgis_revoke_token\"}",
                "keycloak_arcgis_bridge_signing_key_lookups_seconds_count{outcome=\"unavailable\"}");
        series.forEach(name -> assertTrue(samples.containsKey(name), "registered at start: " + name));
    }

    private static double delta(Map<String, Double> before, Map<String, Double> after, String series) {
        return after.getOrDefault(series, 0.0) - before.getOrDefault(series, 0.0);
    }

    /** The extension's samples, keyed by name and tags as Prometheus writes them (tags sorted by name). */
    private static Map<String, Double> scrape() {
        String body;
        try {
            body = HTTP.send(HttpRequest.newBuilder(URI.create(METRICS)).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new AssertionError("metrics endpoint unreachable", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        Map<String, Double> samples = new HashMap<>();
        for (String line : body.split("\n")) {
            Matcher sample = SAMPLE.matcher(line.trim());
            if (sample.matches()) {
                samples.put(sample.group(1) + "{" + sample.group(2) + "}", Double.parseDouble(sample.group(3)));
            }
        }
        return samples;
    }
}
