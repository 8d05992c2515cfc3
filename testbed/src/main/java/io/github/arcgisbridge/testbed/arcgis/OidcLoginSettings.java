package io.github.arcgisbridge.testbed.arcgis;

import java.util.List;

/**
 * An organisation's "OpenID Connect login", field for field as ArcGIS's "New OpenID Connect login" form has them
 * (Esri, "Configure OpenID Connect logins"): button label, registered client id and secret, provider scopes, issuer,
 * authorization / token / JWKS / user profile endpoints, "Send access token in header", "Use PKCE", how members join,
 * the username claim and the user identifier claim.
 */
public record OidcLoginSettings(String buttonLabel, String clientId, String clientSecret, List<String> scopes, String issuer,
                                String authorizationEndpoint, String tokenEndpoint, String jwksUrl, String userInfoEndpoint,
                                boolean sendAccessTokenInHeader, boolean usePkce, boolean joinAutomatically,
                                String usernameClaim, String userIdClaim) {

    public OidcLoginSettings {
        scopes = List.copyOf(scopes);
    }

    /** The claim that names the member; ArcGIS's field is optional, and this emulator assumes {@code preferred_username} then. */
    public String effectiveUsernameClaim() {
        return usernameClaim == null || usernameClaim.isBlank() ? "preferred_username" : usernameClaim;
    }

    /** The claim that identifies the member; when unset, ArcGIS documents that {@code sub} identifies the user. */
    public String effectiveUserIdClaim() {
        return userIdClaim == null || userIdClaim.isBlank() ? "sub" : userIdClaim;
    }

    public OidcLoginSettings withIssuer(String newIssuer) {
        return new OidcLoginSettings(buttonLabel, clientId, clientSecret, scopes, newIssuer, authorizationEndpoint, tokenEndpoint,
                jwksUrl, userInfoEndpoint, sendAccessTokenInHeader, usePkce, joinAutomatically, usernameClaim, userIdClaim);
    }

    /**
     * The settings an admin would type for an OpenID Connect provider, read from its discovery document (the values
     * ArcGIS then checks against that same document).
     */
    public static OidcLoginSettings fromDiscovery(String buttonLabel, String clientId, String clientSecret,
                                                  ProviderDiscovery.Document discovery) {
        return new OidcLoginSettings(buttonLabel, clientId, clientSecret, List.of("openid", "profile", "email"),
                discovery.issuer(), discovery.authorizationEndpoint(), discovery.tokenEndpoint(), discovery.jwksUri(),
                discovery.userInfoEndpoint(), true, true, true, "preferred_username", null);
    }
}
