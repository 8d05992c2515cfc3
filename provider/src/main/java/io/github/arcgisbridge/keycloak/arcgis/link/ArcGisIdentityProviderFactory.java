package io.github.arcgisbridge.keycloak.arcgis.link;

import java.util.List;

import org.keycloak.broker.provider.AbstractIdentityProviderFactory;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.provider.ProviderConfigProperty;

import io.github.arcgisbridge.keycloak.arcgis.ArcGisConfig;

/** Identity provider type "ArcGIS": an ArcGIS Online organisation or ArcGIS Enterprise portal, for account linking. */
public final class ArcGisIdentityProviderFactory extends AbstractIdentityProviderFactory<ArcGisIdentityProvider> {

    @Override
    public String getId() {
        return ArcGisConfig.PROVIDER_ID;
    }

    @Override
    public String getName() {
        return "ArcGIS";
    }

    @Override
    public ArcGisIdentityProvider create(KeycloakSession session, IdentityProviderModel model) {
        return new ArcGisIdentityProvider(session, new ArcGisConfig(model));
    }

    @Override
    public ArcGisConfig createConfig() {
        return new ArcGisConfig();
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return ArcGisConfig.configProperties();
    }
}
