package io.github.arcgisbridge.keycloak.arcgis.vault;

import io.github.arcgisbridge.keycloak.arcgis.portal.PortalGrant;
import io.github.arcgisbridge.keycloak.arcgis.portal.PortalToken;

/**
 * A user's ArcGIS authorization as the vault keeps it: the current access token and the refresh token with their
 * expiries (epoch seconds), the refresh token's lifetime as ArcGIS granted it (a renewal keeps it), and the member's
 * ArcGIS username.
 */
public record ArcGisGrant(String accessToken, long accessTokenExpiresAt, String refreshToken, long refreshTokenExpiresAt,
                          long refreshTokenLifetimeSeconds, String username) {

    /** A grant as ArcGIS issued it at {@code now}: on linking, or on a renewal. */
    public static ArcGisGrant issued(PortalGrant grant, String username, long now) {
        return new ArcGisGrant(grant.accessToken().value(), grant.accessToken().expiresAt(now), grant.refreshToken().value(),
                grant.refreshToken().expiresAt(now), grant.refreshToken().lifetimeSeconds(), username);
    }

    public boolean accessTokenValidFor(long seconds, long now) {
        return accessToken != null && accessTokenExpiresAt - now > seconds;
    }

    /**
     * Whether to renew the refresh token now: once less than the margin is left, but never later than half its
     * lifetime, so an organisation that grants short-lived refresh tokens still has them renewed in time.
     */
    boolean renewalDue(long marginSeconds, long now) {
        return refreshTokenExpiresAt - now <= Math.min(marginSeconds, refreshTokenLifetimeSeconds / 2);
    }

    ArcGisGrant withAccessToken(PortalToken token, long now) {
        return new ArcGisGrant(token.value(), token.expiresAt(now), refreshToken, refreshTokenExpiresAt, refreshTokenLifetimeSeconds, username);
    }

    /** Never prints a token. */
    @Override
    public String toString() {
        return "ArcGisGrant[username=" + username + ", accessTokenExpiresAt=" + accessTokenExpiresAt
                + ", refreshTokenExpiresAt=" + refreshTokenExpiresAt + "]";
    }
}
