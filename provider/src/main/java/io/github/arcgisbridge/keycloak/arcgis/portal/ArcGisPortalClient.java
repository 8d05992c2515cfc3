package io.github.arcgisbridge.keycloak.arcgis.portal;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.http.client.config.RequestConfig;
import org.jboss.logging.Logger;
import org.keycloak.http.simple.SimpleHttp;
import org.keycloak.http.simple.SimpleHttpRequest;
import org.keycloak.http.simple.SimpleHttpResponse;
import org.keycloak.models.KeycloakSession;
import org.keycloak.vault.VaultStringSecret;

import io.github.arcgisbridge.keycloak.arcgis.ArcGisConfig;
import io.github.arcgisbridge.keycloak.error.RejectedException;
import io.github.arcgisbridge.keycloak.error.Rejection;
import io.github.arcgisbridge.keycloak.metrics.BridgeMetrics;
import io.github.arcgisbridge.keycloak.metrics.BridgeMetrics.Outcome;
import io.github.arcgisbridge.keycloak.metrics.BridgeMetrics.Upstream;

/**
 * Calls to the portal's {@code sharing/rest} through Keycloak's HTTP client (its timeouts bound every call), as
 * Esri documents them (developers.arcgis.com/rest/users-groups-and-items: token, revoke-token, self, portal-self).
 * Tokens travel in the form body or in the {@code X-Esri-Authorization} header, never in a URL, where proxies and logs
 * would keep them. ArcGIS answers errors as {@code {"error":{"code":…}}}, usually inside HTTP 200: a 4xx code means
 * ArcGIS refused (the grant or token is no good), anything else that is not a usable answer means ArcGIS is
 * unavailable. Nothing here logs a token.
 */
public final class ArcGisPortalClient {

    private static final Logger LOG = Logger.getLogger(ArcGisPortalClient.class);
    /**
     * A renewal gets more time than other calls: if ArcGIS processes it but its answer does not arrive in time, the old
     * refresh token is dead and the new one lost, and the user must link again. Renewals are rare (once per link
     * lifetime per user), so a longer wait costs little. Connection timeouts stay short: no connection, no renewal.
     */
    private static final RequestConfig RENEWAL_TIMEOUTS = RequestConfig.custom()
            .setConnectTimeout(5_000).setConnectionRequestTimeout(5_000).setSocketTimeout(30_000).build();

    private final KeycloakSession session;
    private final ArcGisConfig config;

    public ArcGisPortalClient(KeycloakSession session, ArcGisConfig config) {
        this.session = session;
        this.config = config;
    }

    /** {@code refresh_token} grant: a new access token for the member; the refresh token stays as it is. */
    public PortalToken refresh(String refreshToken) {
        return PortalToken.require(call(form("refresh_token").param("refresh_token", refreshToken), Upstream.ARCGIS_TOKEN,
                Rejection.ARCGIS_AUTHORIZATION_INVALID),
                PortalToken.ACCESS, config);
    }

    /**
     * {@code exchange_refresh_token} grant: a new access token and a new refresh token with the old one's lifetime,
     * in one call. ArcGIS invalidates the old refresh token and every access token obtained with it.
     */
    public PortalGrant renew(String refreshToken, String redirectUri) {
        JsonNode answer = call(form(SimpleHttp.create(session).withRequestConfig(RENEWAL_TIMEOUTS), "exchange_refresh_token")
                .param("redirect_uri", redirectUri).param("refresh_token", refreshToken), Upstream.ARCGIS_TOKEN, Rejection.ARCGIS_AUTHORIZATION_INVALID);
        return new PortalGrant(PortalToken.require(answer, PortalToken.ACCESS, config), PortalToken.require(answer, PortalToken.REFRESH, config));
    }

    /** {@code client_credentials} grant: a token for the app itself, with no user identity. */
    public PortalToken appToken() {
        try (VaultStringSecret secret = session.vault().getStringSecret(config.getClientSecret())) {
            return PortalToken.require(call(form("client_credentials").param("client_secret", secret.get().orElse(config.getClientSecret())),
                    Upstream.ARCGIS_TOKEN, Rejection.ARCGIS_APP_CREDENTIALS_REFUSED), PortalToken.ACCESS, config);
        }
    }

    /**
     * {@code oauth2/revokeToken} for a refresh token: ArcGIS also revokes every access token obtained with it. ArcGIS
     * answers success for unknown and expired tokens too, so a refusal here means the client id does not match.
     */
    public void revoke(String refreshToken) {
        call(SimpleHttp.create(session).doPost(config.getSharingRestUrl() + "/oauth2/revokeToken")
                .param("f", "json")
                .param("client_id", config.getClientId())
                .param("token_type_hint", "refresh_token")
                .param("auth_token", refreshToken), Upstream.ARCGIS_REVOKE_TOKEN, Rejection.ARCGIS_AUTHORIZATION_INVALID);
    }

    /** {@code community/self}: the member a token belongs to. */
    public JsonNode self(String accessToken) {
        return call(SimpleHttp.create(session).doGet(config.getSharingRestUrl() + "/community/self?f=json")
                .header("X-Esri-Authorization", "Bearer " + accessToken), Upstream.ARCGIS_COMMUNITY_SELF, Rejection.ARCGIS_AUTHORIZATION_INVALID);
    }

    /** {@code portals/self} without a token: the portal's public view, which names its organisation. */
    public JsonNode organization() {
        return call(SimpleHttp.create(session).doGet(config.getSharingRestUrl() + "/portals/self?f=json"), Upstream.ARCGIS_PORTALS_SELF,
                Rejection.ARCGIS_UNAVAILABLE);
    }

    private SimpleHttpRequest form(String grantType) {
        return form(SimpleHttp.create(session), grantType);
    }

    private SimpleHttpRequest form(SimpleHttp http, String grantType) {
        return http.doPost(config.getTokenUrl())
                .param("f", "json")
                .param("grant_type", grantType)
                .param("client_id", config.getClientId());
    }

    private JsonNode call(SimpleHttpRequest request, Upstream upstream, Rejection refused) {
        long started = System.nanoTime();
        try {
            JsonNode body = answer(request, refused);
            BridgeMetrics.upstream(upstream, Outcome.OK, System.nanoTime() - started);
            return body;
        } catch (RejectedException e) {
            BridgeMetrics.upstream(upstream, e.rejection() == Rejection.ARCGIS_UNAVAILABLE ? Outcome.UNAVAILABLE : Outcome.REFUSED,
                    System.nanoTime() - started);
            throw e;
        }
    }

    private JsonNode answer(SimpleHttpRequest request, Rejection refused) {
        int status;
        JsonNode body;
        try (SimpleHttpResponse response = request.acceptJson().asResponse()) {
            status = response.getStatus();
            body = status < 500 ? response.asJson() : null;
        } catch (Exception e) {
            LOG.warnf("ArcGIS identity provider '%s': portal unreachable or unreadable: %s", config.getAlias(), e.getClass().getSimpleName());
            throw Rejection.ARCGIS_UNAVAILABLE.exception();
        }
        if (body == null || !body.isObject()) {
            LOG.warnf("ArcGIS identity provider '%s': portal answered HTTP %d without JSON", config.getAlias(), status);
            throw Rejection.ARCGIS_UNAVAILABLE.exception();
        }
        JsonNode error = body.get("error");
        if (error == null && status == 200) {
            return body;
        }
        int code = error == null ? status : error.path("code").asInt(status);
        LOG.infof("ArcGIS identity provider '%s': portal answered HTTP %d with error code %d (%s)", config.getAlias(), status, code,
                error == null ? "" : error.path("error").asText(error.path("message").asText()));
        throw (code >= 400 && code < 500 ? refused : Rejection.ARCGIS_UNAVAILABLE).exception();
    }
}
