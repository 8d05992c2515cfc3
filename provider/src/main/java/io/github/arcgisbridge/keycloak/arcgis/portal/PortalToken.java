package io.github.arcgisbridge.keycloak.arcgis.portal;

import com.fasterxml.jackson.databind.JsonNode;
import org.jboss.logging.Logger;

import io.github.arcgisbridge.keycloak.arcgis.ArcGisConfig;
import io.github.arcgisbridge.keycloak.error.Rejection;

/**
 * One token out of a portal's token response, with its lifetime, read strictly: the token must be a non-blank
 * string and the lifetime a positive whole number of seconds. A response of any other shape is not stored, so a
 * confused portal or proxy can never overwrite a working grant with a token that is not one.
 */
public record PortalToken(String value, long lifetimeSeconds) {

    /** Where a token response puts a token and its lifetime. */
    public record Field(String token, String lifetime) { }

    public static final Field ACCESS = new Field("access_token", "expires_in");
    public static final Field REFRESH = new Field("refresh_token", "refresh_token_expires_in");

    private static final Logger LOG = Logger.getLogger(PortalToken.class);

    /** The token in the field, or null when it is missing or unusable. */
    public static PortalToken read(JsonNode response, Field field) {
        JsonNode token = response.path(field.token());
        JsonNode lifetime = response.path(field.lifetime());
        if (!token.isTextual() || token.asText().isBlank() || !lifetime.isIntegralNumber() || !lifetime.canConvertToLong()
                || lifetime.asLong() <= 0) {
            return null;
        }
        return new PortalToken(token.asText(), lifetime.asLong());
    }

    /** The token in the field; an answer without a usable one means the portal is not working. */
    static PortalToken require(JsonNode response, Field field, ArcGisConfig config) {
        PortalToken token = read(response, field);
        if (token == null) {
            LOG.warnf("ArcGIS identity provider '%s': portal answered without a usable %s and %s", config.getAlias(), field.token(), field.lifetime());
            throw Rejection.ARCGIS_UNAVAILABLE.exception();
        }
        return token;
    }

    public long expiresAt(long now) {
        return now + lifetimeSeconds;
    }

    /** Never prints the token. */
    @Override
    public String toString() {
        return "PortalToken[lifetimeSeconds=" + lifetimeSeconds + "]";
    }
}
