package io.github.arcgisbridge.keycloak.it;

import java.nio.file.Path;
import java.util.Map;

import org.keycloak.testframework.server.KeycloakServerConfig;
import org.keycloak.testframework.server.KeycloakServerConfigBuilder;

import io.github.arcgisbridge.testbed.identityserver.IdentityServer4Issuer;
import io.github.arcgisbridge.testbed.keycloak.FileVault;

/**
 * A real Keycloak from the distribution with this module's classes deployed as a provider, and a file vault holding
 * the upstream secrets the shipped realm export refers to ({@code ${vault.…}}), as a deployment would provide them.
 * The JWKS refetch throttle is lowered from 10 s to 2 s so key-rotation tests need not wait long, and at most
 * {@link #ARCGIS_MAX_CONCURRENT_REFRESHES} exchanges may wait for ArcGIS at once, so the bound is reachable in a test
 * (above the 20 concurrent exchanges of one user that the vault tests expect to share one ArcGIS call).
 * Metrics are on, as an operator would run it, so the tests can read the extension's meters on the management port.
 */
public final class BridgeServerConfig implements KeycloakServerConfig {

    static final int KEY_REFETCH_THROTTLE_SECONDS = 2;
    static final int ARCGIS_MAX_CONCURRENT_REFRESHES = 24;
    static final String BROKER_CLIENT_SECRET = "test-keycloak-broker-secret";
    static final String ARCGIS_APP_SECRET = "test-keycloak-bridge-secret";
    private static final Path VAULT = Path.of("target/test-vault");

    @Override
    public KeycloakServerConfigBuilder configure(KeycloakServerConfigBuilder config) {
        FileVault.write(VAULT, "arcgis", Map.of("identityserver4-client-secret", BROKER_CLIENT_SECRET,
                "identityserver4-api-secret", IdentityServer4Issuer.API_SECRET,
                "arcgis-client-secret", ARCGIS_APP_SECRET));
        return config.dependencyCurrentProject()
                .option("metrics-enabled", "true")
                .option("vault", "file")
                .option("vault-dir", VAULT.toAbsolutePath().toString())
                .spiOption("public-key-storage", "infinispan", "min-time-between-requests", String.valueOf(KEY_REFETCH_THROTTLE_SECONDS))
                .spiOption("oauth2-token-exchange", "identityserver4", "arcgis-max-concurrent-refreshes",
                        String.valueOf(ARCGIS_MAX_CONCURRENT_REFRESHES));
    }
}
