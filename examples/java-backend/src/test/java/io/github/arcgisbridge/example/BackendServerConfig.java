package io.github.arcgisbridge.example;

import java.nio.file.Path;
import java.util.Map;

import org.keycloak.testframework.server.KeycloakServerConfig;
import org.keycloak.testframework.server.KeycloakServerConfigBuilder;

import io.github.arcgisbridge.testbed.identityserver.IdentityServer4Issuer;
import io.github.arcgisbridge.testbed.keycloak.FileVault;

/**
 * A real Keycloak from the distribution with the provider module's jar deployed (as a deployment installs it), and a
 * file vault with the upstream secrets the shipped realm export names ({@code ${vault.…}}); the provider's own tests use
 * the same shape (provider/src/test/java/…/it/BridgeServerConfig).
 */
public final class BackendServerConfig implements KeycloakServerConfig {

    private static final Path VAULT = Path.of("target/test-vault");

    @Override
    public KeycloakServerConfigBuilder configure(KeycloakServerConfigBuilder config) {
        FileVault.write(VAULT, "arcgis", Map.of("identityserver4-client-secret", "test-keycloak-broker-secret",
                "identityserver4-api-secret", IdentityServer4Issuer.API_SECRET,
                "arcgis-client-secret", "test-keycloak-bridge-secret"));
        return config.dependency("io.github.arcgisbridge", "keycloak-arcgis-bridge")
                .option("vault", "file")
                .option("vault-dir", VAULT.toAbsolutePath().toString());
    }
}
