package io.github.arcgisbridge.keycloak.arcgis.portal;

import com.fasterxml.jackson.databind.JsonNode;
import org.jboss.logging.Logger;
import org.keycloak.http.simple.SimpleHttp;
import org.keycloak.http.simple.SimpleHttpRequest;
import org.keycloak.http.simple.SimpleHttpResponse;
import org.keycloak.models.KeycloakSession;
import org.keycloak.vault.VaultStringSecret;

import io.github.arcgisbridge.keycloak.error.Rejection;
import io.github.arcgisbridge.keycloak.arcgis.ArcGisConfig;

/**
 * Calls to the portal's {@code sharing/rest} through Keycloak's HTTP client. ArcGIS answers errors as JSON
 * {@code {"error":{...}}} (sometimes inside HTTP 200): such an answer means ArcGIS refused the grant, which the
 * caller reports as "not linked"; no answer, or no JSON, means ArcGIS is unavailable.
 */
public final class ArcGisPortalClient {

    private static final Logger LOG = Logger.getLogger(ArcGisPortalClient.class);

    private final KeycloakSession session;
    private final ArcGisConfig config;

    public ArcGisPortalClient(KeycloakSession session, ArcGisConfig config) {
        this.session = session;
        this.config = config;
    }

    /** {@code refresh_token} grant: a new access token for the member. */
    public PortalToken refresh(String refreshToken) {
        return issued(call(SimpleHttp.create(session).doPost(config.getTokenUrl())
                .param("grant_type", "refresh_token")
                .param("client_id", config.getClientId())
                .param("refresh_token", refreshToken), Rejection.ARCGIS_AUTHORIZATION_INVALID), "access_token", "expires_in");
    }

    /** {@code exchange_refresh_token} grant: a new refresh token, extending the link before the old one expires. */
    public PortalToken renew(String refreshToken, String redirectUri) {
        return issued(call(SimpleHttp.create(session).doPost(config.getTokenUrl())
                .param("grant_type", "exchange_refresh_token")
                .param("client_id", config.getClientId())
                .param("redirect_uri", redirectUri)
                .param("refresh_token", refreshToken), Rejection.ARCGIS_AUTHORIZATION_INVALID), "refresh_token", "refresh_token_expires_in");
    }

    /** {@code client_credentials} grant: a token for the app itself, with no user identity. */
    public PortalToken appToken() {
        try (VaultStringSecret secret = session.vault().getStringSecret(config.getClientSecret())) {
            return issued(call(SimpleHttp.create(session).doPost(config.getTokenUrl())
                    .param("grant_type", "client_credentials")
                    .param("client_id", config.getClientId())
                    .param("client_secret", secret.get().orElse(config.getClientSecret())), Rejection.ARCGIS_APP_CREDENTIALS_REFUSED),
                    "access_token", "expires_in");
        }
    }

    /** {@code community/self}: the member a token belongs to. */
    public JsonNode self(String accessToken) {
        return call(SimpleHttp.create(session).doGet(config.getSharingRestUrl() + "/community/self")
                .param("f", "json")
                .param("token", accessToken), Rejection.ARCGIS_AUTHORIZATION_INVALID);
    }

    /** A token the portal issued; a success answer without a usable token and lifetime means the portal is not working. */
    private PortalToken issued(JsonNode response, String tokenField, String lifetimeField) {
        PortalToken token = PortalToken.read(response, tokenField, lifetimeField);
        if (token == null) {
            LOG.warnf("ArcGIS identity provider '%s': portal answered without a usable %s and %s", config.getAlias(), tokenField, lifetimeField);
            throw Rejection.ARCGIS_UNAVAILABLE.exception();
        }
        return token;
    }

    private JsonNode call(SimpleHttpRequest request, Rejection refused) {
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
        if (body.has("error") || status != 200) {
            JsonNode error = body.path("error");
            LOG.infof("ArcGIS identity provider '%s': portal refused (HTTP %d, code %s, %s)", config.getAlias(), status,
                    error.path("code").asText(), error.path("error").asText(error.path("message").asText()));
            throw refused.exception();
        }
        return body;
    }
}
