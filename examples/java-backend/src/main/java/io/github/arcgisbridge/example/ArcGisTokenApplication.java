package io.github.arcgisbridge.example;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/**
 * An app backend in Java: signs the user in with IdentityServer4 (Spring Security's OAuth 2.0 login, authorization code
 * with PKCE), keeps the user's IdentityServer4 access token server-side, and serves {@code /api/arcgis-token}, which
 * exchanges that token at Keycloak (RFC 8693, Spring Security's token-exchange client) for the user's ArcGIS token,
 * answering the same JSON as the Node example backend, so the page's {@code @arcgis-bridge/arcgis-token} module works with either.
 */
@SpringBootApplication
@EnableConfigurationProperties(BridgeProperties.class)
public class ArcGisTokenApplication {

    public static void main(String[] args) {
        SpringApplication.run(ArcGisTokenApplication.class, args);
    }
}
