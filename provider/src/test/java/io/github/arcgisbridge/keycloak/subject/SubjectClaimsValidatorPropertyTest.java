package io.github.arcgisbridge.keycloak.subject;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.quicktheories.api.Pair;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

import io.github.arcgisbridge.keycloak.error.RejectedException;
import io.github.arcgisbridge.keycloak.fuzz.FuzzRuns;

/**
 * Fuzzes the claim rules: random claim sets (each claim absent, right, wrong, or of the wrong JSON type), random
 * {@code typ}, token kind, trust settings and introspection flag. The validator must accept exactly the claim sets a
 * plain restatement of the rules accepts, refuse everything else with a {@link RejectedException} (never another
 * exception), and report the subject and client it checked.
 */
class SubjectClaimsValidatorPropertyTest {

    static final int CASES = 50_000;

    private static final long NOW = 1_800_000_000L;
    private static final String ISSUER = "https://login.example.com";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> ACCESS_TYPES = Set.of("at+jwt", "application/at+jwt", "jwt");

    /** Where a token comes from and how it was presented. */
    record Presentation(SubjectTokenKind kind, String typ, boolean introspected) {
    }

    @Test
    void acceptsExactlyWhatTheRulesAllow() {
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger cases = new AtomicInteger();
        FuzzRuns.qt("SubjectClaimsValidator", CASES).forAll(claimSets(), presentations(), policies()).checkAssert((claims, presentation, policy) -> {
            cases.incrementAndGet();
            boolean expected = allowed(claims, presentation, policy);
            VerifiedSubject subject;
            try {
                subject = new SubjectClaimsValidator(policy).validate(presentation.kind(), presentation.typ(), claims,
                        presentation.introspected(), NOW);
            } catch (RejectedException refused) {
                assertTrue(!expected, () -> "refused (" + refused.rejection().reason() + ") but allowed: " + claims + " " + presentation + " " + policy);
                return;
            }
            accepted.incrementAndGet();
            assertTrue(expected, () -> "accepted but not allowed: " + claims + " " + presentation + " " + policy);
            assertEquals(claims.get("sub").asText(), subject.subject());
            assertEquals(expectedClient(claims, presentation.kind()), subject.clientId());
        });
        System.out.printf("[property] SubjectClaimsValidator: %d claim sets, %d accepted, %d refused%n",
                cases.get(), accepted.get(), cases.get() - accepted.get());
        assertTrue(accepted.get() > cases.get() / 100, "the generator reaches acceptable tokens too: " + accepted.get());
    }

    // ---- the rules, restated plainly -------------------------------------------------------------------------

    private static boolean allowed(ObjectNode claims, Presentation p, TrustPolicy policy) {
        if (policy.acceptedAudiences().isEmpty() && policy.acceptedClientIds().isEmpty()) {
            return false;
        }
        JsonNode iss = claims.get("iss");
        boolean issuerOk = iss != null && iss.isTextual() && iss.asText().equals(ISSUER)
                || p.introspected() && (absent(iss) || iss.isTextual() && iss.asText().isBlank());
        boolean typeOk = p.introspected() || (p.kind() == SubjectTokenKind.ACCESS_TOKEN
                ? p.typ() != null && ACCESS_TYPES.contains(p.typ().toLowerCase(Locale.ROOT))
                : p.typ() == null || p.typ().equalsIgnoreCase("jwt"));
        if (!issuerOk || !typeOk || !timesOk(claims, policy) || !nonBlankString(claims.get("sub"))) {
            return false;
        }
        Set<String> audiences = strings(claims.get("aud"));
        if (audiences == null) {
            return false;
        }
        if (p.kind() == SubjectTokenKind.ID_TOKEN) {
            JsonNode azp = claims.get("azp");
            if (!absent(azp) && !azp.isTextual()) {
                return false;
            }
            String client = expectedClient(claims, p.kind());
            return client != null && policy.acceptedClientIds().contains(client) && audiences.contains(client)
                    && policy.requiredScopes().isEmpty();
        }
        JsonNode clientId = claims.get("client_id");
        if (!nonBlankString(clientId)
                || !policy.acceptedAudiences().isEmpty() && audiences.stream().noneMatch(policy.acceptedAudiences()::contains)
                || !policy.acceptedClientIds().isEmpty() && !policy.acceptedClientIds().contains(clientId.asText())) {
            return false;
        }
        JsonNode scope = claims.get("scope");
        Set<String> scopes = scope != null && scope.isTextual()
                ? new HashSet<>(Arrays.stream(scope.asText().split(" ")).filter(s -> !s.isEmpty()).toList())
                : strings(scope);
        return scopes != null && scopes.containsAll(policy.requiredScopes());
    }

    private static String expectedClient(JsonNode claims, SubjectTokenKind kind) {
        if (kind == SubjectTokenKind.ACCESS_TOKEN) {
            return claims.get("client_id").asText();
        }
        JsonNode azp = claims.get("azp");
        if (nonBlankString(azp)) {
            return azp.asText();
        }
        Set<String> audiences = strings(claims.get("aud"));
        return audiences != null && audiences.size() == 1 ? audiences.iterator().next() : null;
    }

    private static boolean timesOk(JsonNode claims, TrustPolicy policy) {
        long skew = policy.clockSkewSeconds();
        Long exp = time(claims.get("exp"));
        Long nbf = time(claims.get("nbf"));
        Long iat = time(claims.get("iat"));
        if (exp == null || INVALID.equals(exp) || INVALID.equals(nbf) || INVALID.equals(iat) || NOW >= exp + skew) {
            return false;
        }
        if (nbf != null && nbf > NOW + skew) {
            return false;
        }
        if (iat == null) {
            return policy.maxTokenAgeSeconds() == 0;
        }
        return iat <= NOW + skew && (policy.maxTokenAgeSeconds() == 0 || NOW - iat <= policy.maxTokenAgeSeconds() + skew);
    }

    private static final Long INVALID = Long.MIN_VALUE;

    /** A NumericDate in whole seconds; null when absent, {@link #INVALID} when not a sane date. */
    private static Long time(JsonNode value) {
        if (absent(value)) {
            return null;
        }
        if (!value.isNumber()) {
            return INVALID;
        }
        BigInteger whole = value.decimalValue().toBigInteger();
        boolean sane = whole.signum() >= 0 && whole.compareTo(BigInteger.valueOf(253_402_300_799L)) <= 0
                && value.decimalValue().compareTo(java.math.BigDecimal.valueOf(253_402_300_799L)) <= 0;
        return sane ? whole.longValue() : INVALID;
    }

    /** A string or an array of strings as a set; empty when absent; null when of another shape. */
    private static Set<String> strings(JsonNode value) {
        if (absent(value)) {
            return Set.of();
        }
        if (value.isTextual()) {
            return Set.of(value.asText());
        }
        if (!value.isArray()) {
            return null;
        }
        Set<String> values = new HashSet<>();
        for (JsonNode element : value) {
            if (!element.isTextual()) {
                return null;
            }
            values.add(element.asText());
        }
        return values;
    }

    private static boolean nonBlankString(JsonNode value) {
        return value != null && value.isTextual() && !value.asText().isBlank();
    }

    private static boolean absent(JsonNode value) {
        return value == null || value.isNull();
    }

    // ---- generators ---------------------------------------------------------------------------------------------

    private static Gen<ObjectNode> claimSets() {
        Gen<ObjectNode> claims = Generate.constant(JSON::createObjectNode);
        claims = with(claims, "iss", oneOf(NODES.textNode(ISSUER), NODES.textNode(ISSUER + "/"), NODES.textNode("https://evil.example.com"),
                NODES.textNode(""), NODES.textNode(" "), NODES.numberNode(42), NODES.arrayNode().add(ISSUER)));
        claims = with(claims, "exp", times(60, 7200));
        claims = with(claims, "nbf", times(-120, 120));
        claims = with(claims, "iat", times(-7200, 120));
        claims = with(claims, "sub", oneOf(NODES.textNode("818727"), NODES.textNode("88421113"), NODES.textNode(""), NODES.textNode("\t"),
                NODES.numberNode(818727), NODES.arrayNode().add("818727"), NODES.objectNode().put("id", "818727")));
        claims = with(claims, "client_id", oneOf(NODES.textNode("map-spa"), NODES.textNode("other-spa"), NODES.textNode(""),
                NODES.numberNode(7), NODES.arrayNode().add("map-spa"), NODES.booleanNode(true)));
        claims = with(claims, "azp", oneOf(NODES.textNode("map-spa"), NODES.textNode("other-spa"), NODES.textNode(""), NODES.numberNode(1)));
        claims = with(claims, "aud", oneOf(NODES.textNode("arcgis-bridge"), NODES.textNode("map-spa"), NODES.arrayNode().add("arcgis-bridge").add("other"),
                NODES.arrayNode().add("map-spa"), NODES.arrayNode(), NODES.arrayNode().add(5), NODES.numberNode(5), NODES.objectNode(),
                NODES.arrayNode().add("map-spa").add("other-spa"), NODES.textNode("")));
        claims = with(claims, "scope", oneOf(NODES.textNode("openid arcgis.read"), NODES.textNode("openid  arcgis.read "),
                NODES.arrayNode().add("openid").add("arcgis.read"), NODES.arrayNode().add("openid"), NODES.textNode(""),
                NODES.arrayNode().add(1), NODES.arrayNode().add(NODES.arrayNode().add("arcgis.read")), NODES.objectNode().put("arcgis.read", true),
                NODES.numberNode(3)));
        return claims;
    }

    /** Times around NOW (offsets in the given range), plus fractions, far-off, negative, huge and non-numeric values. */
    private static Gen<JsonNode> times(int from, int to) {
        Gen<JsonNode> plausible = Generate.range(from, to).map(offset -> (JsonNode) NODES.numberNode(NOW + offset));
        Gen<JsonNode> fractional = Generate.range(from, to).map(offset -> (JsonNode) NODES.numberNode(NOW + offset + 0.5));
        Gen<JsonNode> odd = Generate.pick(List.<JsonNode>of(NODES.numberNode(Long.MAX_VALUE), NODES.numberNode(Long.MAX_VALUE - 10),
                NODES.numberNode(Long.MIN_VALUE), NODES.numberNode(-1), NODES.numberNode(0), NODES.numberNode(1e300), NODES.numberNode(-1e300),
                NODES.numberNode(new BigInteger("99999999999999999999999")), NODES.numberNode(253_402_300_799L),
                NODES.numberNode(253_402_300_800L), NODES.textNode(String.valueOf(NOW + 60)), NODES.arrayNode().add(NOW + 60),
                NODES.booleanNode(true), NODES.nullNode()));
        return Generate.frequency(List.of(
                Pair.of(6, plausible), Pair.of(1, fractional),
                Pair.of(2, odd), Pair.of(1, Generate.constant((JsonNode) null))));
    }

    /**
     * Mostly the first (a value a good token has), otherwise one of the others, JSON null, or the claim absent
     * (Java null): good enough values often enough that whole claim sets are acceptable in a fair share of cases.
     */
    private static Gen<JsonNode> oneOf(JsonNode usual, JsonNode... others) {
        List<JsonNode> odd = new java.util.ArrayList<>(Arrays.asList(others));
        odd.add(NODES.nullNode());
        odd.add(null);
        return Generate.frequency(Pair.of(3, Generate.constant(usual)), Pair.of(1, Generate.pick(odd)));
    }

    private static Gen<ObjectNode> with(Gen<ObjectNode> claims, String name, Gen<JsonNode> values) {
        return claims.zip(values, (node, value) -> {
            ObjectNode copy = node.deepCopy();
            if (value != null) {
                copy.set(name, value);
            }
            return copy;
        });
    }

    private static Gen<Presentation> presentations() {
        Gen<String> typs = Generate.pick(Arrays.asList("at+jwt", "AT+JWT", "application/at+jwt", "JWT", "jwt", "id+jwt", "", "JOSE", null));
        return Generate.enumValues(SubjectTokenKind.class).zip(typs, Generate.booleans(), Presentation::new);
    }

    private static Gen<TrustPolicy> policies() {
        Gen<Set<String>> audiences = Generate.pick(List.of(Set.of(), Set.of("arcgis-bridge")));
        Gen<Set<String>> clientIds = Generate.pick(List.of(Set.of(), Set.of("map-spa"), Set.of("map-spa", "other-spa")));
        Gen<Set<String>> scopes = Generate.pick(List.of(Set.of(), Set.of("arcgis.read")));
        Gen<int[]> limits = Generate.pick(List.of(new int[] {0, 0}, new int[] {30, 0}, new int[] {0, 3600}, new int[] {30, 3600}));
        return audiences.zip(clientIds, scopes, limits, (aud, clients, required, limit) ->
                new TrustPolicy("identityserver4", Set.of(ISSUER), limit[0], limit[1], aud, clients, required));
    }
}
