package io.github.arcgisbridge.keycloak.arcgis;

import org.jboss.logging.Logger;
import org.keycloak.broker.oidc.OAuth2IdentityProviderConfig;
import org.keycloak.models.IdentityProviderModel;

/**
 * Settings of the "ArcGIS" identity provider: the portal, the app registered in it, and how the token vault keeps
 * the user's ArcGIS authorization fresh. Never throws on a missing or malformed value; it logs the setting and uses
 * the default.
 */
public final class ArcGisConfig extends OAuth2IdentityProviderConfig {

    public static final String PORTAL_URL = "portalUrl";
    public static final String EXPIRATION_MINUTES = "expirationMinutes";
    public static final String REFRESH_MARGIN_SECONDS = "refreshMarginSeconds";
    public static final String RENEWAL_MARGIN_SECONDS = "renewalMarginSeconds";
    public static final String APP_CREDENTIAL_MODE = "appCredentialMode";
    public static final String APP_CREDENTIAL_ROLE = "appCredentialRole";

    static final int DEFAULT_EXPIRATION_MINUTES = 120;
    static final int DEFAULT_REFRESH_MARGIN_SECONDS = 120;
    static final int DEFAULT_RENEWAL_MARGIN_SECONDS = 3 * 24 * 3600;

    private static final Logger LOG = Logger.getLogger(ArcGisConfig.class);

    public ArcGisConfig(IdentityProviderModel model) {
        super(model);
    }

    public ArcGisConfig() {
        super();
    }

    /** The portal's {@code sharing/rest} URL, e.g. {@code https://example.maps.arcgis.com/sharing/rest}. */
    public String getSharingRestUrl() {
        String portal = getConfig().getOrDefault(PORTAL_URL, "https://www.arcgis.com").trim().replaceAll("/+$", "");
        return portal.endsWith("/sharing/rest") ? portal : portal + "/sharing/rest";
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
     * set. What it writes is the encrypted grant (see {@link ArcGisGrantCodec}), so Keycloak's broker token endpoint
     * hands out nothing usable.
     */
    @Override
    public Boolean isStoreToken() {
        return Boolean.TRUE;
    }

    public boolean isSsl() {
        return getSharingRestUrl().startsWith("https://");
    }

    /** Lifetime asked of ArcGIS for user tokens ({@code expiration}, minutes). */
    public int getExpirationMinutes() {
        return positive(EXPIRATION_MINUTES, DEFAULT_EXPIRATION_MINUTES);
    }

    /** A cached ArcGIS token closer to expiry than this is refreshed before it is handed out. */
    public int getRefreshMarginSeconds() {
        return positive(REFRESH_MARGIN_SECONDS, DEFAULT_REFRESH_MARGIN_SECONDS);
    }

    /** A refresh token closer to expiry than this is renewed with {@code exchange_refresh_token}. */
    public int getRenewalMarginSeconds() {
        return positive(RENEWAL_MARGIN_SECONDS, DEFAULT_RENEWAL_MARGIN_SECONDS);
    }

    public boolean isAppCredentialMode() {
        return Boolean.parseBoolean(getConfig().get(APP_CREDENTIAL_MODE));
    }

    /** Realm or client role (as {@code client-id.role}) a user needs to receive the app token. */
    public String getAppCredentialRole() {
        String role = getConfig().get(APP_CREDENTIAL_ROLE);
        return role == null || role.isBlank() ? null : role.trim();
    }

    private int positive(String key, int fallback) {
        String raw = getConfig().get(key);
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(raw.trim());
            if (value > 0) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // logged below
        }
        LOG.warnf("Identity provider '%s': setting '%s' is not a positive whole number ('%s'); using %d", getAlias(), key, raw, fallback);
        return fallback;
    }
}
