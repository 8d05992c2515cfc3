package io.github.arcgisbridge.keycloak.identityserver4;

import java.util.List;
import java.util.Optional;

import org.keycloak.models.IdentityProviderModel;
import org.keycloak.models.IdentityProviderQuery;
import org.keycloak.models.KeycloakSession;

/** Finds the enabled IdentityServer4 identity provider a subject token belongs to. */
public final class IdentityServer4Providers {

    private IdentityServer4Providers() {
    }

    /** By alias, as named by the {@code subject_issuer} parameter. */
    public static Optional<IdentityServer4Config> byAlias(KeycloakSession session, String alias) {
        return Optional.ofNullable(session.identityProviders().getByAlias(alias))
                .filter(IdentityServer4Providers::isEnabledIdentityServer4)
                .map(IdentityServer4Config::new);
    }

    /** Every enabled IdentityServer4 identity provider of the session's realm. */
    public static List<IdentityServer4Config> enabled(KeycloakSession session) {
        return session.identityProviders().getAllStream(IdentityProviderQuery.any())
                .filter(IdentityServer4Providers::isEnabledIdentityServer4)
                .map(IdentityServer4Config::new)
                .toList();
    }

    private static boolean isEnabledIdentityServer4(IdentityProviderModel model) {
        return model.isEnabled() && IdentityServer4IdentityProviderFactory.PROVIDER_ID.equals(model.getProviderId());
    }
}
