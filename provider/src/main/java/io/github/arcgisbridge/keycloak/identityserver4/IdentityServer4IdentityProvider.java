package io.github.arcgisbridge.keycloak.identityserver4;

import org.keycloak.broker.oidc.OIDCIdentityProvider;
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
}
