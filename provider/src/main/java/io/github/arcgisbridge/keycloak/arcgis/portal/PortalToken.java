package io.github.arcgisbridge.keycloak.arcgis.portal;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One token out of a portal's token response, with its lifetime, read strictly: the token must be a non-blank
 * string and the lifetime a positive whole number of seconds. A response of any other shape is not stored, so a
 * confused portal or proxy can never overwrite a working grant with a token that is not one.
 */
public record PortalToken(String value, long lifetimeSeconds) {

    /** The token under {@code tokenField} with the lifetime under {@code lifetimeField}, or null when either is unusable. */
    public static PortalToken read(JsonNode response, String tokenField, String lifetimeField) {
        JsonNode token = response.path(tokenField);
        JsonNode lifetime = response.path(lifetimeField);
        if (!token.isTextual() || token.asText().isBlank() || !lifetime.isIntegralNumber() || !lifetime.canConvertToLong()
                || lifetime.asLong() <= 0) {
            return null;
        }
        return new PortalToken(token.asText(), lifetime.asLong());
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
