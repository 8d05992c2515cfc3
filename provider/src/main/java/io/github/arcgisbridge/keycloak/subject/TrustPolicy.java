package io.github.arcgisbridge.keycloak.subject;

import java.util.Set;

import io.github.arcgisbridge.keycloak.identityserver4.IdentityServer4Config;

/** The identity provider's settings that decide whether a subject token's claims are acceptable. */
public record TrustPolicy(String alias, Set<String> trustedIssuers, int clockSkewSeconds, int maxTokenAgeSeconds,
                          Set<String> acceptedAudiences, Set<String> acceptedClientIds, Set<String> requiredScopes) {

    public TrustPolicy {
        trustedIssuers = Set.copyOf(trustedIssuers);
        acceptedAudiences = Set.copyOf(acceptedAudiences);
        acceptedClientIds = Set.copyOf(acceptedClientIds);
        requiredScopes = Set.copyOf(requiredScopes);
    }

    public static TrustPolicy of(IdentityServer4Config config) {
        return new TrustPolicy(config.getAlias(), config.getTrustedIssuers(), Math.max(0, config.getAllowedClockSkew()),
                config.getMaxSubjectTokenAge(), config.getAcceptedAudiences(), config.getAcceptedClientIds(),
                config.getRequiredScopes());
    }
}
