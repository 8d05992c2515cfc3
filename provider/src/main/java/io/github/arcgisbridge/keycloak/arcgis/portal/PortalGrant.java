package io.github.arcgisbridge.keycloak.arcgis.portal;

/** What an authorization-code or {@code exchange_refresh_token} answer holds: an access token and a refresh token. */
public record PortalGrant(PortalToken accessToken, PortalToken refreshToken) { }
