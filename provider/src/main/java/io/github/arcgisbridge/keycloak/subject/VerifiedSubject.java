package io.github.arcgisbridge.keycloak.subject;

import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * An upstream identity whose token passed every check: which identity provider vouches for it, the IdentityServer4
 * subject, the IdentityServer4 client the token was issued to, its scopes, and its claims (for naming new users).
 */
public record VerifiedSubject(String identityProviderAlias, String subject, String clientId, Set<String> scopes,
                              SubjectTokenKind kind, long expiresAt, JsonNode claims) {

    public VerifiedSubject {
        scopes = Set.copyOf(scopes);
        claims = claims.deepCopy();
    }
}
