package io.github.arcgisbridge.keycloak.arcgis;

import java.util.List;

import org.keycloak.broker.provider.AbstractIdentityProviderFactory;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;

/** Identity provider type "ArcGIS": an ArcGIS Online organisation or ArcGIS Enterprise portal, for account linking. */
public final class ArcGisIdentityProviderFactory extends AbstractIdentityProviderFactory<ArcGisIdentityProvider> {

    public static final String PROVIDER_ID = "arcgis";

    private static final List<ProviderConfigProperty> CONFIG_PROPERTIES = ProviderConfigurationBuilder.create()
            .property().name(ArcGisConfig.PORTAL_URL).label("Portal URL")
            .helpText("ArcGIS Online organisation (https://<org>.maps.arcgis.com) or ArcGIS Enterprise portal "
                    + "(https://host/portal). The OAuth endpoints are its sharing/rest/oauth2/authorize and /token.")
            .type(ProviderConfigProperty.STRING_TYPE).defaultValue("https://www.arcgis.com").add()
            .property().name("clientId").label("App client ID")
            .helpText("Client ID of the app registered in the portal, with this identity provider's redirect URI.")
            .type(ProviderConfigProperty.STRING_TYPE).add()
            .property().name("clientSecret").label("App client secret")
            .helpText("The app's client secret (for the app-credential mode and confidential token requests). Vault references work.")
            .type(ProviderConfigProperty.PASSWORD).secret(true).add()
            .property().name(ArcGisConfig.EXPIRATION_MINUTES).label("Requested token expiration (minutes)")
            .helpText("'expiration' asked of ArcGIS for user tokens.")
            .type(ProviderConfigProperty.STRING_TYPE).defaultValue(String.valueOf(ArcGisConfig.DEFAULT_EXPIRATION_MINUTES)).add()
            .property().name("pkceEnabled").label("Use PKCE")
            .helpText("Send an S256 code challenge to ArcGIS when linking.")
            .type(ProviderConfigProperty.BOOLEAN_TYPE).defaultValue("true").add()
            .property().name(ArcGisConfig.REFRESH_MARGIN_SECONDS).label("Refresh margin (seconds)")
            .helpText("A cached ArcGIS token with less time left than this is refreshed before it is handed out.")
            .type(ProviderConfigProperty.STRING_TYPE).defaultValue(String.valueOf(ArcGisConfig.DEFAULT_REFRESH_MARGIN_SECONDS)).add()
            .property().name(ArcGisConfig.RENEWAL_MARGIN_SECONDS).label("Refresh-token renewal margin (seconds)")
            .helpText("A refresh token with less time left than this is renewed with exchange_refresh_token (ArcGIS "
                    + "refresh tokens last two weeks by default).")
            .type(ProviderConfigProperty.STRING_TYPE).defaultValue(String.valueOf(ArcGisConfig.DEFAULT_RENEWAL_MARGIN_SECONDS)).add()
            .property().name(ArcGisConfig.APP_CREDENTIAL_MODE).label("App-credential mode")
            .helpText("Off by default. When on, users with no ArcGIS link who hold the role below receive the app's "
                    + "own token (client_credentials), marked as an app token: for content shared with the app, not with members.")
            .type(ProviderConfigProperty.BOOLEAN_TYPE).defaultValue("false").add()
            .property().name(ArcGisConfig.APP_CREDENTIAL_ROLE).label("App-credential role")
            .helpText("Realm role, or client role as 'client-id.role', required for the app token.")
            .type(ProviderConfigProperty.STRING_TYPE).add()
            .build();

    @Override
    public String getId() {
        return PROVIDER_ID;
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
        return CONFIG_PROPERTIES;
    }
}
