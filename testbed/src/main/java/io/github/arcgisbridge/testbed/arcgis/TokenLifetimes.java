package io.github.arcgisbridge.testbed.arcgis;

/**
 * How long the portal's tokens live, as Esri documents it ("Specify the default token expiration time", ArcGIS
 * Enterprise 11.4): a requested {@code expiration} (minutes) above the maximum is capped, never refused; the
 * organisation's {@code maxTokenExpirationMinutes} lowers the maximum further.
 */
final class TokenLifetimes {

    /** OAuth access tokens of the authorization code flow, and those refreshed from its refresh token: 30 minutes. */
    static final int USER_ACCESS_TOKEN_SECONDS = 30 * 60;
    /** Refresh tokens: two weeks unless the app asks otherwise, at most 90 days. */
    static final int DEFAULT_REFRESH_TOKEN_MINUTES = 20_160;
    static final int MAX_REFRESH_TOKEN_MINUTES = 129_600;
    /** Client-credentials access tokens and ArcGIS tokens (generateToken): two hours unless asked otherwise, at most 14 days. */
    static final int DEFAULT_ACCESS_TOKEN_MINUTES = 120;
    static final int MAX_ACCESS_TOKEN_MINUTES = 20_160;

    private TokenLifetimes() {
    }

    /** A code-flow refresh token: the authorize request's {@code expiration}, capped. */
    static int refreshTokenMinutes(Integer requested, Organization organization) {
        return capped(requested, DEFAULT_REFRESH_TOKEN_MINUTES, MAX_REFRESH_TOKEN_MINUTES, organization);
    }

    /** An app token or a server token: the request's {@code expiration}, capped. */
    static int accessTokenMinutes(Integer requested, Organization organization) {
        return capped(requested, DEFAULT_ACCESS_TOKEN_MINUTES, MAX_ACCESS_TOKEN_MINUTES, organization);
    }

    /** A request's {@code expiration} parameter, or null when absent or not a number. */
    static Integer requested(String expiration) {
        try {
            return expiration == null ? null : Integer.valueOf(expiration.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static int capped(Integer requested, int defaultMinutes, int maxMinutes, Organization organization) {
        int organizationLimit = organization.maxTokenExpirationMinutes();
        int limit = organizationLimit == -1 ? maxMinutes : Math.min(maxMinutes, organizationLimit);
        // Zero or less asks for nothing usable: the default applies, as when no expiration is given.
        return Math.min(requested == null || requested <= 0 ? defaultMinutes : requested, limit);
    }
}
