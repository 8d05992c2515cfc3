package io.github.arcgisbridge.keycloak.arcgis.token;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.keycloak.common.util.Time;
import org.keycloak.models.KeycloakSession;

import io.github.arcgisbridge.keycloak.arcgis.ArcGisConfig;
import io.github.arcgisbridge.keycloak.arcgis.SingleFlight;
import io.github.arcgisbridge.keycloak.arcgis.portal.ArcGisPortalClient;
import io.github.arcgisbridge.keycloak.arcgis.portal.PortalToken;

/**
 * The app's own ArcGIS token per identity provider (client_credentials), cached on this node until near expiry.
 * Requests that find it stale share one call to ArcGIS per identity provider; other identity providers never wait
 * for it.
 */
public final class ArcGisAppTokens {

    /** An app token and when it expires (epoch seconds). */
    public record AppToken(String token, long expiresAt) { }

    private final Map<String, AppToken> tokens = new ConcurrentHashMap<>();
    private final SingleFlight<AppToken> calls = new SingleFlight<>(15);

    public AppToken current(KeycloakSession session, ArcGisConfig config) {
        String key = session.getContext().getRealm().getId() + "/" + config.getAlias();
        AppToken cached = tokens.get(key);
        if (usable(cached, config)) {
            return cached;
        }
        return calls.run(key, () -> {
            PortalToken issued = new ArcGisPortalClient(session, config).appToken();
            AppToken fresh = new AppToken(issued.value(), issued.expiresAt(Time.currentTimeSeconds()));
            tokens.put(key, fresh);
            return fresh;
        });
    }

    private static boolean usable(AppToken token, ArcGisConfig config) {
        return token != null && token.expiresAt() - Time.currentTimeSeconds() > config.getRefreshMarginSeconds();
    }
}
