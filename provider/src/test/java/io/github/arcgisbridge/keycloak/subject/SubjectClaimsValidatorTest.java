package io.github.arcgisbridge.keycloak.subject;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import io.github.arcgisbridge.keycloak.error.RejectedException;
import io.github.arcgisbridge.keycloak.error.Rejection;

/** The claim rules alone, without Keycloak: exact boundaries of the time checks and the binding rules. */
class SubjectClaimsValidatorTest {

    private static final long NOW = 1_800_000_000L;
    private static final String ISSUER = "https://login.example.com";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final SubjectClaimsValidator byClientId = validator(Set.of(), Set.of("map-spa"), Set.of(), 30, 3600);

    @Test
    void acceptsAnIdentityServer4AccessTokenAndReadsBothScopeShapes() {
        VerifiedSubject subject = byClientId.validate(SubjectTokenKind.ACCESS_TOKEN, "at+jwt", accessToken(), false, NOW);
        assertEquals("818727", subject.subject());
        assertEquals("map-spa", subject.clientId());
        assertEquals(Set.of("openid", "arcgis.read"), subject.scopes());

        ObjectNode spaceDelimited = accessToken().put("scope", "openid  arcgis.read");
        assertEquals(Set.of("openid", "arcgis.read"),
                byClientId.validate(SubjectTokenKind.ACCESS_TOKEN, "JWT", spaceDelimited, false, NOW).scopes());
    }

    @Test
    void expiryIsExclusiveAndHonoursTheClockSkew() {
        ObjectNode claims = accessToken().put("exp", NOW - 30);
        assertRejected(Rejection.TOKEN_EXPIRED, () -> byClientId.validate(SubjectTokenKind.ACCESS_TOKEN, "at+jwt", claims, false, NOW));
        claims.put("exp", NOW - 29);
        byClientId.validate(SubjectTokenKind.ACCESS_TOKEN, "at+jwt", claims, false, NOW);
    }

    @Test
    void notBeforeAndIssuedAtMayBeAheadOnlyByTheSkew() {
        ObjectNode early = accessToken().put("nbf", NOW + 31);
        assertRejected(Rejection.TOKEN_NOT_YET_VALID, () -> byClientId.validate(SubjectTokenKind.ACCESS_TOKEN, "at+jwt", early, false, NOW));
        ObjectNode future = accessToken().put("iat", NOW + 31);
        assertRejected(Rejection.ISSUED_IN_FUTURE, () -> byClientId.validate(SubjectTokenKind.ACCESS_TOKEN, "at+jwt", future, false, NOW));
        byClientId.validate(SubjectTokenKind.ACCESS_TOKEN, "at+jwt", accessToken().put("nbf", NOW + 30).put("iat", NOW + 30), false, NOW);
    }

    @Test
    void maximumAgeCountsFromIssuedAt() {
        ObjectNode old = accessToken().put("iat", NOW - 3631).put("exp", NOW + 600);
        assertRejected(Rejection.TOKEN_TOO_OLD, () -> byClientId.validate(SubjectTokenKind.ACCESS_TOKEN, "at+jwt", old, false, NOW));
        SubjectClaimsValidator unlimited = validator(Set.of(), Set.of("map-spa"), Set.of(), 30, 0);
        unlimited.validate(SubjectTokenKind.ACCESS_TOKEN, "at+jwt", old.without("iat"), false, NOW);
    }

    @Test
    void withNeitherAudiencesNorClientIdsEveryTokenIsRefused() {
        SubjectClaimsValidator trustsNothing = validator(Set.of(), Set.of(), Set.of(), 0, 3600);
        assertRejected(Rejection.NO_TRUST_CONFIGURED, () -> trustsNothing.validate(SubjectTokenKind.ACCESS_TOKEN, "at+jwt", accessToken(), false, NOW));
    }

    @Test
    void bothBindingsApplyWhenBothAreConfigured() {
        SubjectClaimsValidator both = validator(Set.of("arcgis-bridge"), Set.of("map-spa"), Set.of(), 0, 3600);
        assertRejected(Rejection.AUDIENCE_NOT_ACCEPTED, () -> both.validate(SubjectTokenKind.ACCESS_TOKEN, "at+jwt", accessToken(), false, NOW));
        ObjectNode withAudience = accessToken();
        withAudience.putArray("aud").add("reports").add("arcgis-bridge");
        both.validate(SubjectTokenKind.ACCESS_TOKEN, "at+jwt", withAudience, false, NOW);
        withAudience.put("client_id", "other");
        assertRejected(Rejection.CLIENT_NOT_ACCEPTED, () -> both.validate(SubjectTokenKind.ACCESS_TOKEN, "at+jwt", withAudience, false, NOW));
    }

    @Test
    void idTokensAreBoundByAudienceAndAuthorizedPartyAndCannotSatisfyRequiredScopes() {
        ObjectNode idToken = idToken();
        assertEquals("map-spa", byClientId.validate(SubjectTokenKind.ID_TOKEN, "JWT", idToken, false, NOW).clientId());
        byClientId.validate(SubjectTokenKind.ID_TOKEN, null, idToken, false, NOW);
        assertRejected(Rejection.TOKEN_TYPE_MISMATCH, () -> byClientId.validate(SubjectTokenKind.ID_TOKEN, "at+jwt", idToken, false, NOW));
        ObjectNode foreignParty = idToken().put("azp", "other");
        assertRejected(Rejection.CLIENT_NOT_ACCEPTED, () -> byClientId.validate(SubjectTokenKind.ID_TOKEN, "JWT", foreignParty, false, NOW));
        SubjectClaimsValidator scoped = validator(Set.of(), Set.of("map-spa"), Set.of("arcgis.read"), 0, 3600);
        assertRejected(Rejection.REQUIRED_SCOPE_MISSING, () -> scoped.validate(SubjectTokenKind.ID_TOKEN, "JWT", idToken, false, NOW));
    }

    @Test
    void introspectionResultsNeedNoTypeAndMayOmitTheIssuer() {
        ObjectNode introspected = accessToken().put("active", true).put("scope", "openid arcgis.read");
        introspected.remove("iss");
        assertEquals("818727", byClientId.validate(SubjectTokenKind.ACCESS_TOKEN, null, introspected, true, NOW).subject());
        introspected.put("iss", "https://elsewhere.example.com");
        assertRejected(Rejection.ISSUER_MISMATCH, () -> byClientId.validate(SubjectTokenKind.ACCESS_TOKEN, null, introspected, true, NOW));
    }

    @Test
    void claimsOfTheWrongJsonTypeAreMalformedNotIgnored() {
        assertRejected(Rejection.CLAIM_MALFORMED, () -> byClientId.validate(SubjectTokenKind.ACCESS_TOKEN, "at+jwt",
                accessToken().put("sub", 818727), false, NOW));
        ObjectNode nestedScope = accessToken();
        nestedScope.putArray("scope").addArray().add("openid");
        assertRejected(Rejection.CLAIM_MALFORMED, () -> byClientId.validate(SubjectTokenKind.ACCESS_TOKEN, "at+jwt", nestedScope, false, NOW));
        assertRejected(Rejection.CLAIM_MALFORMED, () -> byClientId.validate(SubjectTokenKind.ACCESS_TOKEN, "at+jwt",
                accessToken().put("exp", new java.math.BigInteger("99999999999999999999999")), false, NOW));
    }

    private static SubjectClaimsValidator validator(Set<String> audiences, Set<String> clientIds, Set<String> scopes, int skew, int maxAge) {
        return new SubjectClaimsValidator(new TrustPolicy("identityserver4", Set.of(ISSUER), skew, maxAge, audiences, clientIds, scopes));
    }

    private static ObjectNode accessToken() {
        ObjectNode claims = JSON.createObjectNode()
                .put("iss", ISSUER).put("nbf", NOW - 10).put("iat", NOW - 10).put("exp", NOW + 3590)
                .put("client_id", "map-spa").put("sub", "818727").put("idp", "local");
        claims.putArray("scope").add("openid").add("arcgis.read");
        return claims;
    }

    private static ObjectNode idToken() {
        return JSON.createObjectNode()
                .put("iss", ISSUER).put("nbf", NOW - 10).put("iat", NOW - 10).put("exp", NOW + 290)
                .put("aud", "map-spa").put("sub", "818727");
    }

    private static void assertRejected(Rejection expected, Runnable check) {
        assertEquals(expected, assertThrows(RejectedException.class, check::run).rejection());
    }
}
