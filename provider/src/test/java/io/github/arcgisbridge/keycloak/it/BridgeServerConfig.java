package io.github.arcgisbridge.keycloak.it;

import org.keycloak.testframework.server.KeycloakServerConfig;
import org.keycloak.testframework.server.KeycloakServerConfigBuilder;

/**
 * A real Keycloak from the distribution with this module's classes deployed as a provider. The JWKS refetch
 * throttle is lowered from 10 s to 2 s so key-rotation tests need not wait long; everything else is Keycloak's default.
 */
public final class BridgeServerConfig implements KeycloakServerConfig {

    static final int KEY_REFETCH_THROTTLE_SECONDS = 2;

    @Override
    public KeycloakServerConfigBuilder configure(KeycloakServerConfigBuilder config) {
        return config.dependencyCurrentProject()
                .spiOption("public-key-storage", "infinispan", "min-time-between-requests", String.valueOf(KEY_REFETCH_THROTTLE_SECONDS));
    }
}
