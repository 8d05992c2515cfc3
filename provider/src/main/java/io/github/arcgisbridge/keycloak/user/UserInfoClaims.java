package io.github.arcgisbridge.keycloak.user;

import com.fasterxml.jackson.databind.JsonNode;
import org.keycloak.http.simple.SimpleHttp;
import org.keycloak.models.KeycloakSession;

import io.github.arcgisbridge.keycloak.error.Rejection;
import io.github.arcgisbridge.keycloak.metrics.BridgeMetrics.Upstream;
import io.github.arcgisbridge.keycloak.identityserver4.IdentityServer4Config;
import io.github.arcgisbridge.keycloak.upstream.UpstreamJson;

/**
 * Fetches IdentityServer4's userinfo for a subject access token. Only used to name a user created on first
 * exchange when the token itself lacks the profile claims (IdentityServer4 access tokens usually do).
 */
final class UserInfoClaims {

    private UserInfoClaims() {
    }

    /** The userinfo claims, or null when the provider has no usable userinfo endpoint configured. */
    static JsonNode fetch(KeycloakSession session, IdentityServer4Config config, String accessToken, String expectedSubject) {
        String url = config.getUserInfoUrl();
        if (config.isDisableUserInfoService() || url == null || url.isBlank()) {
            return null;
        }
        JsonNode body = UpstreamJson.object(SimpleHttp.create(session).doGet(url).auth(accessToken), Upstream.USERINFO,
                "Identity provider '" + config.getAlias() + "' userinfo endpoint", Rejection.USERINFO_UNAVAILABLE);
        // OpenID Connect Core §5.3.2: the userinfo sub must equal the token's, or the response must not be used.
        JsonNode subject = body.get("sub");
        if (subject == null || !subject.isTextual() || !subject.asText().equals(expectedSubject)) {
            throw Rejection.USERINFO_SUBJECT_MISMATCH.exception();
        }
        return body;
    }
}
