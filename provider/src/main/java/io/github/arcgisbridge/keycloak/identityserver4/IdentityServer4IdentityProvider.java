package io.github.arcgisbridge.keycloak.identityserver4;

import java.util.List;

import org.keycloak.broker.oidc.OIDCIdentityProvider;
import org.keycloak.broker.oidc.OIDCIdentityProviderFactory;
import org.keycloak.broker.provider.IdentityProviderMapper;
import org.keycloak.models.KeycloakSession;

/**
 * Keycloak's OpenID Connect broker, unchanged for browser logins to IdentityServer4, with Keycloak's deprecated V1
 * external exchange switched off for it: tokens of this provider are exchanged only by this extension's
 * token-exchange provider, which applies the checks configured here.
 */
public final class IdentityServer4IdentityProvider extends OIDCIdentityProvider {

    public IdentityServer4IdentityProvider(KeycloakSession session, IdentityServer4Config config) {
        super(session, config);
    }

    @Override
    protected boolean supportsExternalExchange() {
        return false;
    }

    /**
     * Keycloak's OpenID Connect mappers (claim to attribute, to role, username template…) name the provider types
     * they work with; this type is an OpenID Connect provider, so the admin console offers them here too, and both
     * a browser first login and a first exchange run them.
     */
    @Override
    public boolean isMapperSupported(IdentityProviderMapper mapper) {
        return super.isMapperSupported(mapper) || List.of(mapper.getCompatibleProviders()).contains(OIDCIdentityProviderFactory.PROVIDER_ID);
    }
}
