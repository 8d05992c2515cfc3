package io.github.arcgisbridge.keycloak.subject;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

import io.github.arcgisbridge.keycloak.error.Rejection;

/**
 * Decides whether the claims of a signature-checked JWT, or of an introspection response, are acceptable:
 * issuer, {@code typ}, times with the provider's clock skew, subject, audience or client binding, and scopes
 * (RFC 8725 §3.8-3.11, RFC 8693 §5). Pure: no Keycloak session, no I/O.
 */
public final class SubjectClaimsValidator {

    private static final Set<String> ACCESS_TOKEN_TYPES = Set.of("at+jwt", "application/at+jwt", "jwt");
    private static final Set<String> ID_TOKEN_TYPES = Set.of("jwt");
    /** 9999-12-31T23:59:59Z: a NumericDate beyond it is nonsense, and would overflow the skew arithmetic. */
    private static final long LATEST_NUMERIC_DATE = 253_402_300_799L;

    private final TrustPolicy policy;

    public SubjectClaimsValidator(TrustPolicy policy) {
        this.policy = policy;
    }

    /**
     * @param typ          the JWS header's {@code typ}, or null (always null for introspection results)
     * @param introspected whether the claims come from the provider's introspection endpoint rather than a JWT
     * @param now          the current time in epoch seconds
     */
    public VerifiedSubject validate(SubjectTokenKind kind, String typ, JsonNode claims, boolean introspected, long now) {
        if (policy.acceptedAudiences().isEmpty() && policy.acceptedClientIds().isEmpty()) {
            throw Rejection.NO_TRUST_CONFIGURED.exception();
        }
        checkIssuer(optionalString(claims, "iss"), introspected);
        if (!introspected) {
            checkType(kind, typ);
        }
        long expiresAt = checkTimes(claims, now);
        String subject = optionalString(claims, "sub");
        if (subject == null) {
            throw Rejection.SUBJECT_MISSING.exception();
        }
        Set<String> audiences = stringOrArray(claims, "aud");
        String clientId = kind == SubjectTokenKind.ID_TOKEN ? checkIdTokenBinding(claims, audiences) : checkAccessTokenBinding(claims, audiences);
        Set<String> scopes = kind == SubjectTokenKind.ACCESS_TOKEN ? scopes(claims) : Collections.emptySet();
        if (!scopes.containsAll(policy.requiredScopes())) {
            throw Rejection.REQUIRED_SCOPE_MISSING.exception();
        }
        return new VerifiedSubject(policy.alias(), subject, clientId, scopes, kind, expiresAt, claims);
    }

    private void checkIssuer(String issuer, boolean introspected) {
        // The introspection endpoint is the provider itself; IdentityServer4 includes 'iss' there, but it is optional.
        if (issuer == null && introspected) {
            return;
        }
        if (issuer == null || !policy.trustedIssuers().contains(issuer)) {
            throw Rejection.ISSUER_MISMATCH.exception();
        }
    }

    private static void checkType(SubjectTokenKind kind, String typ) {
        // Explicit typing keeps an ID token from passing as an access token and the other way round (RFC 8725 §3.11).
        Set<String> accepted = kind == SubjectTokenKind.ACCESS_TOKEN ? ACCESS_TOKEN_TYPES : ID_TOKEN_TYPES;
        boolean missingAllowed = kind == SubjectTokenKind.ID_TOKEN;
        if (typ == null ? !missingAllowed : !accepted.contains(typ.toLowerCase(Locale.ROOT))) {
            throw Rejection.TOKEN_TYPE_MISMATCH.exception();
        }
    }

    private long checkTimes(JsonNode claims, long now) {
        int skew = policy.clockSkewSeconds();
        Long expiresAt = optionalTime(claims, "exp");
        if (expiresAt == null) {
            throw Rejection.EXPIRY_MISSING.exception();
        }
        if (now >= expiresAt + skew) {
            throw Rejection.TOKEN_EXPIRED.exception();
        }
        Long notBefore = optionalTime(claims, "nbf");
        if (notBefore != null && notBefore > now + skew) {
            throw Rejection.TOKEN_NOT_YET_VALID.exception();
        }
        Long issuedAt = optionalTime(claims, "iat");
        if (issuedAt == null) {
            if (policy.maxTokenAgeSeconds() > 0) {
                throw Rejection.ISSUED_AT_MISSING.exception();
            }
            return expiresAt;
        }
        if (issuedAt > now + skew) {
            throw Rejection.ISSUED_IN_FUTURE.exception();
        }
        if (policy.maxTokenAgeSeconds() > 0 && now - issuedAt > policy.maxTokenAgeSeconds() + skew) {
            throw Rejection.TOKEN_TOO_OLD.exception();
        }
        return expiresAt;
    }

    private String checkAccessTokenBinding(JsonNode claims, Set<String> audiences) {
        String clientId = optionalString(claims, "client_id");
        if (clientId == null) {
            throw Rejection.CLIENT_ID_MISSING.exception();
        }
        if (!policy.acceptedAudiences().isEmpty() && Collections.disjoint(audiences, policy.acceptedAudiences())) {
            throw Rejection.AUDIENCE_NOT_ACCEPTED.exception();
        }
        if (!policy.acceptedClientIds().isEmpty() && !policy.acceptedClientIds().contains(clientId)) {
            throw Rejection.CLIENT_NOT_ACCEPTED.exception();
        }
        return clientId;
    }

    /** An ID token's audience is the client it was issued to; {@code azp}, when present, must name an accepted client too. */
    private String checkIdTokenBinding(JsonNode claims, Set<String> audiences) {
        String authorizedParty = optionalString(claims, "azp");
        String clientId = authorizedParty != null ? authorizedParty
                : audiences.size() == 1 ? audiences.iterator().next() : null;
        if (clientId == null || !policy.acceptedClientIds().contains(clientId) || !audiences.contains(clientId)) {
            throw Rejection.CLIENT_NOT_ACCEPTED.exception();
        }
        return clientId;
    }

    /** IdentityServer4 emits {@code scope} as a JSON array by default, as a space-delimited string when configured to. */
    private static Set<String> scopes(JsonNode claims) {
        JsonNode scope = claims.get("scope");
        if (scope != null && scope.isTextual()) {
            return new LinkedHashSet<>(Arrays.stream(scope.asText().split(" ")).filter(s -> !s.isEmpty()).toList());
        }
        return stringOrArray(claims, "scope");
    }

    private static Set<String> stringOrArray(JsonNode claims, String name) {
        JsonNode value = claims.get(name);
        if (value == null || value.isNull()) {
            return Collections.emptySet();
        }
        if (value.isTextual()) {
            return Set.of(value.asText());
        }
        if (!value.isArray()) {
            throw Rejection.CLAIM_MALFORMED.exception();
        }
        Set<String> values = new LinkedHashSet<>();
        for (JsonNode element : value) {
            if (!element.isTextual()) {
                throw Rejection.CLAIM_MALFORMED.exception();
            }
            values.add(element.asText());
        }
        return values;
    }

    private static String optionalString(JsonNode claims, String name) {
        JsonNode value = claims.get(name);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw Rejection.CLAIM_MALFORMED.exception();
        }
        return value.asText().isBlank() ? null : value.asText();
    }

    private static Long optionalTime(JsonNode claims, String name) {
        JsonNode value = claims.get(name);
        if (value == null || value.isNull()) {
            return null;
        }
        // NumericDate may carry fractions (RFC 7519 §2); IdentityServer4 writes whole seconds.
        if (!value.isNumber() || value.isIntegralNumber() && !value.canConvertToLong()) {
            throw Rejection.CLAIM_MALFORMED.exception();
        }
        double seconds = value.asDouble();
        if (!(seconds >= 0 && seconds <= LATEST_NUMERIC_DATE)) {
            throw Rejection.CLAIM_MALFORMED.exception();
        }
        return value.asLong();
    }
}
