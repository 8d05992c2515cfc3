package io.github.arcgisbridge.keycloak.arcgis;

import java.util.List;
import java.util.Set;

import org.keycloak.broker.oidc.OAuth2IdentityProviderConfig;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.models.RealmModel;
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

    public static final Setting REFRESH_TOKEN_LIFETIME_MINUTES = SETTINGS.number("refreshTokenLifetimeMinutes",
            "Requested link lifetime (minutes)",
            "Sent to ArcGIS as 'expiration' when a user links. In ArcGIS's authorization-code flow it sets the lifetime of the "
                    + "refresh token, that is of the link, not of access tokens, which always last 30 minutes. ArcGIS caps it "
                    + "silently at 90 days (129600) and at the organisation's maximum token expiration; the default asks for "
                    + "the longest the organisation allows. The vault renews the refresh token before it ends, so an active "
                    + "user never links again. 0 leaves the parameter out (ArcGIS's default, two weeks).", 129_600);

    /** The {@code expiration} to send when linking; 0 for none. */
    public int getRefreshTokenLifetimeMinutes() {
        return settings().nonNegative(REFRESH_TOKEN_LIFETIME_MINUTES);
    }

    public static final Setting PKCE = SETTINGS.flag("pkceEnabled", "Use PKCE", "Send an S256 code challenge to ArcGIS when linking.", true);

    public static final Setting REFRESH_MARGIN_SECONDS = SETTINGS.number("refreshMarginSeconds", "Refresh margin (seconds)",
            "A cached ArcGIS token with less time left than this is refreshed before it is handed out.", 120);

    /** A cached ArcGIS token closer to expiry than this is refreshed before it is handed out. */
    public int getRefreshMarginSeconds() {
        return settings().positive(REFRESH_MARGIN_SECONDS);
    }

    public static final Setting RENEWAL_MARGIN_SECONDS = SETTINGS.number("renewalMarginSeconds", "Link renewal margin (seconds)",
            "When the refresh token has less time left than this (or less than half its lifetime), the next refresh uses "
                    + "exchange_refresh_token, which returns a new access token and a new refresh token of the same lifetime "
                    + "in one call.", 3 * 24 * 3600);

    /** A refresh token closer to expiry than this is renewed with {@code exchange_refresh_token}. */
    public int getRenewalMarginSeconds() {
        return settings().positive(RENEWAL_MARGIN_SECONDS);
    }

    public static final Setting ORGANIZATION_ID = SETTINGS.text("organizationId", "Organisation ID",
            "The ArcGIS organisation whose members may link (its id in portals/self). Empty: the id the portal URL's "
                    + "portals/self names when a user links; a portal URL without an organisation (www.arcgis.com) then "
                    + "refuses every link. A member of another organisation is never linked.", null);

    public String getOrganizationId() {
        return settings().text(ORGANIZATION_ID);
    }

    public static final Setting MEMBER_IDENTITY_PROVIDER = SETTINGS.text("memberIdentityProvider", "Identity provider of members",
            "Alias of the identity provider (IdentityServer4) through which members sign in to ArcGIS. A member who signed "
                    + "in with the organisation's login carries that identity in community/self 'idpUsername'; it must be the "
                    + "linking user's own subject at this identity provider (ArcGIS's user identifier claim is 'sub', as set up "
                    + "in docs/arcgis-setup.md), and built-in ArcGIS accounts are refused. Empty: only the organisation is "
                    + "checked, and anyone who can get the user signed in to ArcGIS as someone else (login CSRF) gets that "
                    + "account linked.", "identityserver4");

    public String getMemberIdentityProvider() {
        return settings().text(MEMBER_IDENTITY_PROVIDER);
    }

    public static final Setting PUBLIC_CLIENTS = SETTINGS.multivalued("publicClients", "Public clients allowed the user's ArcGIS token",
            "Off by default: only confidential clients (an app's backend) receive the user's ArcGIS token. A public client "
                    + "listed here receives it too. Risk: a public client proves nothing about itself, so anyone holding one of "
                    + "the user's IdentityServer4 tokens issued to the client it is paired with can get the user's ArcGIS token, "
                    + "which carries all of the user's ArcGIS rights (reading and changing their content) for up to 30 minutes.");

    /** Public clients an administrator opted in to receive the user's ArcGIS token. */
    public Set<String> getPublicClients() {
        return settings().values(PUBLIC_CLIENTS);
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

    /**
     * Refuses, when an administrator saves it, an alias that is also a client id: the alias stands for the user's
     * ArcGIS token as an audience and in resource indicators, and one name must have one meaning.
     */
    @Override
    public void validate(RealmModel realm) {
        super.validate(realm);
        if (getAlias() != null && realm.getClientByClientId(getAlias()) != null) {
            throw new IllegalArgumentException("ArcGIS identity provider alias '" + getAlias() + "' is also a client id: choose another alias");
        }
    }

    private SettingReader settings() {
        return new SettingReader(getConfig(), "Identity provider '" + getAlias() + "'");
    }
}
