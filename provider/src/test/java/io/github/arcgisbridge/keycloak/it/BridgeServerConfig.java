package io.github.arcgisbridge.keycloak.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.keycloak.testframework.server.KeycloakServerConfig;
import org.keycloak.testframework.server.KeycloakServerConfigBuilder;

import io.github.arcgisbridge.testbed.identityserver.IdentityServer4Issuer;

/**
 * A real Keycloak from the distribution with this module's classes deployed as a provider, and a file vault holding
 * the upstream secrets the shipped realm export refers to ({@code ${vault.…}}), as a deployment would provide them.
 * The JWKS refetch throttle is lowered from 10 s to 2 s so key-rotation tests need not wait long, and at most
 * {@link #ARCGIS_MAX_CONCURRENT_REFRESHES} exchanges may wait for ArcGIS at once, so the bound is reachable in a test.
 * Metrics are on, as an operator would run it, so the tests can read the extension's meters on the management port.
 */
public final class BridgeServerConfig implements KeycloakServerConfig {

    static final int KEY_REFETCH_THROTTLE_SECONDS = 2;
    static final int ARCGIS_MAX_CONCURRENT_REFRESHES = 8;
    static final String BROKER_CLIENT_SECRET = "test-keycloak-broker-secret";
    static final String ARCGIS_APP_SECRET = "test-keycloak-bridge-secret";
    private static final Path VAULT = Path.of("target/test-vault");

    @Override
    public KeycloakServerConfigBuilder configure(KeycloakServerConfigBuilder config) {
        writeVault(Map.of("identityserver4-client-secret", BROKER_CLIENT_SECRET,
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

    /** Keycloak's file vault: one file per secret, named {@code <realm>_<key>}, holding the secret as is (no newline). */
    private static void writeVault(Map<String, String> secrets) {
        try {
            Files.createDirectories(VAULT);
            for (Map.Entry<String, String> secret : secrets.entrySet()) {
                Files.writeString(VAULT.resolve("arcgis_" + secret.getKey()), secret.getValue(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
