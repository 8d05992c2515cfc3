package io.github.arcgisbridge.keycloak.arcgis.vault;

/**
 * A user's ArcGIS authorization as the vault keeps it: the current access token and the refresh token, with their
 * expiries in epoch seconds, and the member's ArcGIS username.
 */
public record ArcGisGrant(String accessToken, long accessTokenExpiresAt, String refreshToken, long refreshTokenExpiresAt,
                          String username) {

    boolean accessTokenValidFor(long seconds, long now) {
        return accessToken != null && accessTokenExpiresAt - now > seconds;
    }

    boolean refreshTokenExpiresWithin(long seconds, long now) {
        return refreshTokenExpiresAt - now <= seconds;
    }

    ArcGisGrant withAccessToken(String token, long expiresAt) {
        return new ArcGisGrant(token, expiresAt, refreshToken, refreshTokenExpiresAt, username);
    }

    ArcGisGrant withRefreshToken(String token, long expiresAt) {
        return new ArcGisGrant(accessToken, accessTokenExpiresAt, token, expiresAt, username);
    }

    /** Never prints a token. */
    @Override
    public String toString() {
        return "ArcGisGrant[username=" + username + ", accessTokenExpiresAt=" + accessTokenExpiresAt
                + ", refreshTokenExpiresAt=" + refreshTokenExpiresAt + "]";
    }
}
