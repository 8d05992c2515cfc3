package io.github.arcgisbridge.keycloak.arcgis.link;

import java.util.List;

import org.keycloak.broker.provider.AbstractIdentityProviderFactory;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.provider.ProviderConfigProperty;

import io.github.arcgisbridge.keycloak.arcgis.ArcGisConfig;

/**
 * Identity provider type "ArcGIS": an ArcGIS Online organisation or ArcGIS Enterprise portal, for account linking.
 * Owns the revocation of links at ArcGIS, which listens to Keycloak's removal events from server start.
 */
public final class ArcGisIdentityProviderFactory extends AbstractIdentityProviderFactory<ArcGisIdentityProvider> {

    private LinkRevocation revocation;

    @Override
    public String getId() {
        return ArcGisConfig.PROVIDER_ID;
    }

    @Override
    public String getName() {
        return "ArcGIS";
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
        revocation = new LinkRevocation(factory);
        factory.register(revocation);
    }

    @Override
    public void close() {
        if (revocation != null) {
            revocation.close();
        }
    }

    @Override
    public ArcGisIdentityProvider create(KeycloakSession session, IdentityProviderModel model) {
        return new ArcGisIdentityProvider(session, new ArcGisConfig(model), revocation);
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
