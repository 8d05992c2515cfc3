package io.github.arcgisbridge.keycloak.identityserver4;

import java.util.List;

import org.keycloak.broker.oidc.OIDCIdentityProviderFactory;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.provider.ProviderConfigProperty;

/**
 * Identity provider type "IdentityServer4". Its id contains {@code oidc}, so the admin console shows Keycloak's full
 * OpenID Connect settings (discovery import, issuer, JWKS URL, client authentication, clock skew) and, below them,
 * the token-exchange settings of {@link IdentityServer4Config}.
 */
public final class IdentityServer4IdentityProviderFactory extends OIDCIdentityProviderFactory {

    public static final String PROVIDER_ID = "identityserver4-oidc";

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public String getName() {
        return "IdentityServer4";
    }

    @Override
    public IdentityServer4IdentityProvider create(KeycloakSession session, IdentityProviderModel model) {
        return new IdentityServer4IdentityProvider(session, new IdentityServer4Config(model));
    }

    @Override
    public IdentityServer4Config createConfig() {
        return new IdentityServer4Config();
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return IdentityServer4Config.configProperties();
    }
}
