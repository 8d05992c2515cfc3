package io.github.arcgisbridge.keycloak.subject;

import java.util.regex.Pattern;

import org.keycloak.common.util.Time;
import org.keycloak.models.KeycloakSession;

import io.github.arcgisbridge.keycloak.error.Rejection;
import io.github.arcgisbridge.keycloak.identityserver4.IdentityServer4Config;

/**
 * Answers "is this subject token genuine and acceptable?" for one IdentityServer4 identity provider. A JWT has its
 * signature checked before any claim is trusted; a reference token is introspected. Either way the claims then pass
 * {@link SubjectClaimsValidator}. The result is a {@link VerifiedSubject}; any failure is a rejection.
 */
public final class SubjectTokenValidator {

    /** IdentityServer4 reference-token handles are hex or base64url; anything else is not sent upstream. */
    private static final Pattern REFERENCE_HANDLE = Pattern.compile("[A-Za-z0-9_\\-]{16,512}");

    private final KeycloakSession session;
    private final IdentityServer4Config config;
    private final IntrospectionCache introspectionCache;

    public SubjectTokenValidator(KeycloakSession session, IdentityServer4Config config, IntrospectionCache introspectionCache) {
        this.session = session;
        this.config = config;
        this.introspectionCache = introspectionCache;
    }

    public VerifiedSubject validate(String token, SubjectTokenKind kind) {
        if (token.length() > config.getMaxSubjectTokenSize()) {
            throw Rejection.SUBJECT_TOKEN_TOO_LARGE.exception();
        }
        SubjectClaimsValidator claims = new SubjectClaimsValidator(TrustPolicy.of(config));
        long now = Time.currentTimeSeconds();
        if (ParsedJws.looksLikeJws(token)) {
            ParsedJws jws = ParsedJws.parse(token);
            SubjectSignatureVerifier.verify(session, config, jws);
            return claims.validate(kind, jws.type(), jws.claims(), false, now);
        }
        if (kind != SubjectTokenKind.ACCESS_TOKEN || !REFERENCE_HANDLE.matcher(token).matches()) {
            throw Rejection.SUBJECT_TOKEN_MALFORMED.exception();
        }
        ReferenceTokenIntrospector introspector = new ReferenceTokenIntrospector(session, config, introspectionCache);
        return claims.validate(kind, null, introspector.introspect(token, now), true, now);
    }
}
