package io.github.arcgisbridge.example;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The bridge's names: the alias of the IdentityServer4 identity provider in Keycloak ({@code subject_issuer}), the
 * alias of the ArcGIS identity provider ({@code requested_issuer}), and where linking ends (the {@code redirect_uri}
 * appended to Keycloak's account-link-url; empty: this app's root).
 */
@ConfigurationProperties("arcgis-bridge")
public record BridgeProperties(@DefaultValue("identityserver4") String subjectIssuer, @DefaultValue("arcgis") String arcgisIssuer,
        String linkRedirectUri) {
}
