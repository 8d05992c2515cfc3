package io.github.arcgisbridge.keycloak.arcgis;

import java.util.List;

import org.keycloak.broker.oidc.OAuth2IdentityProviderConfig;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.provider.ProviderConfigProperty;

import io.github.arcgisbridge.keycloak.settings.Setting;
import io.github.arcgisbridge.keycloak.settings.SettingList;
import io.github.arcgisbridge.keycloak.settings.SettingReader;

/**
 * Settings of the "ArcGIS" identity provider: the portal, the app registered in it, and how the token vault keeps
 * the user's ArcGIS authorization fresh, each declared beside its getter. Never throws on a missing or malformed
 * value; it logs the setting and uses the default.
 */
public final class ArcGisConfig extends OAuth2IdentityProviderConfig {

    /** The identity provider type id. */
    public static final String PROVIDER_ID = "arcgis";

    private static final SettingList SETTINGS = new SettingList();

    public ArcGisConfig(IdentityProviderModel model) {
        super(model);
    }

    public ArcGisConfig() {
        super();
    }

    /** The admin-console form fields of this provider type. */
    public static List<ProviderConfigProperty> configProperties() {
        return SETTINGS.properties();
    }

    public static List<Setting> declaredSettings() {
        return SETTINGS.all();
    }

    public static final Setting PORTAL_URL = SETTINGS.text("portalUrl", "Portal URL",
            "ArcGIS Online organisation (https://<org>.maps.arcgis.com) or ArcGIS Enterprise portal (https://host/portal). "
                    + "The OAuth endpoints are its sharing/rest/oauth2/authorize and /token.", "https://www.arcgis.com");

    /** The portal's {@code sharing/rest} URL, e.g. {@code https://example.maps.arcgis.com/sharing/rest}. */
    public String getSharingRestUrl() {
        String portal = settings().text(PORTAL_URL).replaceAll("/+$", "");
        return portal.endsWith("/sharing/rest") ? portal : portal + "/sharing/rest";
    }

    // Keycloak's OAuth 2.0 settings, read by the inherited getters (getClientId, getClientSecret, isPkceEnabled).
    public static final Setting CLIENT_ID = SETTINGS.text("clientId", "App client ID",
            "Client ID of the app registered in the portal, with this identity provider's redirect URI.", null);

    public static final Setting CLIENT_SECRET = SETTINGS.secret("clientSecret", "App client secret",
            "The app's client secret (for the app-credential mode). Vault references work.");

    public static final Setting EXPIRATION_MINUTES = SETTINGS.number("expirationMinutes", "Requested token expiration (minutes)",
            "'expiration' asked of ArcGIS for user tokens.", 120);

    /** Lifetime asked of ArcGIS for user tokens ({@code expiration}, minutes). */
    public int getExpirationMinutes() {
        return settings().positive(EXPIRATION_MINUTES);
    }

    public static final Setting PKCE = SETTINGS.flag("pkceEnabled", "Use PKCE", "Send an S256 code challenge to ArcGIS when linking.", true);

    public static final Setting REFRESH_MARGIN_SECONDS = SETTINGS.number("refreshMarginSeconds", "Refresh margin (seconds)",
            "A cached ArcGIS token with less time left than this is refreshed before it is handed out.", 120);

    /** A cached ArcGIS token closer to expiry than this is refreshed before it is handed out. */
    public int getRefreshMarginSeconds() {
        return settings().positive(REFRESH_MARGIN_SECONDS);
    }

    public static final Setting RENEWAL_MARGIN_SECONDS = SETTINGS.number("renewalMarginSeconds", "Refresh-token renewal margin (seconds)",
            "A refresh token with less time left than this is renewed with exchange_refresh_token (ArcGIS refresh tokens "
                    + "last two weeks by default).", 3 * 24 * 3600);

    /** A refresh token closer to expiry than this is renewed with {@code exchange_refresh_token}. */
    public int getRenewalMarginSeconds() {
        return settings().positive(RENEWAL_MARGIN_SECONDS);
    }

    public static final Setting APP_CREDENTIAL_MODE = SETTINGS.flag("appCredentialMode", "App-credential mode",
            "Off by default. When on, users with no ArcGIS link who hold the role below receive the app's own token "
                    + "(client_credentials), marked as an app token: for content shared with the app, not with members.", false);

    public boolean isAppCredentialMode() {
        return settings().flag(APP_CREDENTIAL_MODE);
    }

    public static final Setting APP_CREDENTIAL_ROLE = SETTINGS.text("appCredentialRole", "App-credential role",
            "Realm role, or client role as 'client-id.role', required for the app token.", null);

    /** Realm or client role (as {@code client-id.role}) a user needs to receive the app token. */
    public String getAppCredentialRole() {
        return settings().text(APP_CREDENTIAL_ROLE);
    }

    @Override
    public String getAuthorizationUrl() {
        return getSharingRestUrl() + "/oauth2/authorize";
    }

    @Override
    public String getTokenUrl() {
        return getSharingRestUrl() + "/oauth2/token";
    }

    /**
     * Always on: the vault lives on the federated identity link, and Keycloak writes a link's token only when this is
     * set. What it writes is the encrypted grant, so Keycloak's broker token endpoint hands out nothing usable.
     */
    @Override
    public Boolean isStoreToken() {
        return Boolean.TRUE;
    }

    public boolean isSsl() {
        return getSharingRestUrl().startsWith("https://");
    }

    private SettingReader settings() {
        return new SettingReader(getConfig(), "Identity provider '" + getAlias() + "'");
    }
}
