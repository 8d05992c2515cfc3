package io.github.arcgisbridge.keycloak.subject;

import com.fasterxml.jackson.databind.JsonNode;
import org.keycloak.http.simple.SimpleHttp;
import org.keycloak.models.KeycloakSession;
import org.keycloak.vault.VaultStringSecret;

import io.github.arcgisbridge.keycloak.error.Rejection;
import io.github.arcgisbridge.keycloak.fingerprint.Fingerprint;
import io.github.arcgisbridge.keycloak.metrics.BridgeMetrics;
import io.github.arcgisbridge.keycloak.metrics.BridgeMetrics.Upstream;
import io.github.arcgisbridge.keycloak.identityserver4.IdentityServer4Config;
import io.github.arcgisbridge.keycloak.upstream.UpstreamJson;

/**
 * Checks reference (opaque) tokens at IdentityServer4's introspection endpoint, authenticating as the configured
 * API resource with HTTP Basic, as IdentityServer4 requires. Calls go through Keycloak's HTTP client and its
 * timeouts. Active results are cached per node ({@link IntrospectionCache}).
 */
final class ReferenceTokenIntrospector {

    private final KeycloakSession session;
    private final IdentityServer4Config config;
    private final IntrospectionCache cache;

    ReferenceTokenIntrospector(KeycloakSession session, IdentityServer4Config config, IntrospectionCache cache) {
        this.session = session;
        this.config = config;
        this.cache = cache;
    }

    /** The claims of an active token; refuses inactive tokens and reports an unusable endpoint as unavailable. */
    JsonNode introspect(String token, long now) {
        if (!config.isReferenceTokenIntrospectionConfigured()) {
            throw Rejection.REFERENCE_TOKENS_NOT_CONFIGURED.exception();
        }
        String cacheKey = session.getContext().getRealm().getId() + "/" + config.getAlias() + "/" + Fingerprint.of(token);
        JsonNode cached = cache.get(cacheKey, now);
        BridgeMetrics.introspectionCache(cached != null);
        if (cached != null) {
            return cached;
        }
        JsonNode claims = call(token);
        JsonNode active = claims.get("active");
        if (active == null || !active.isBoolean() || !active.booleanValue()) {
            throw Rejection.TOKEN_INACTIVE.exception();
        }
        JsonNode exp = claims.get("exp");
        if (exp != null && exp.canConvertToLong()) {
            cache.put(cacheKey, claims, Math.min(exp.asLong(), now + config.getIntrospectionCacheSeconds()), now);
        }
        return claims;
    }

    private JsonNode call(String token) {
        try (VaultStringSecret secret = session.vault().getStringSecret(config.getIntrospectionApiSecret())) {
            String apiSecret = secret.get().orElse(config.getIntrospectionApiSecret());
            return UpstreamJson.object(SimpleHttp.create(session).doPost(config.getTokenIntrospectionUrl())
                            .authBasic(config.getIntrospectionApiName(), apiSecret)
                            .param("token", token)
                            .param("token_type_hint", "access_token"), Upstream.INTROSPECTION,
                    "Identity provider '" + config.getAlias() + "' introspection endpoint", Rejection.INTROSPECTION_UNAVAILABLE);
        }
    }
}
