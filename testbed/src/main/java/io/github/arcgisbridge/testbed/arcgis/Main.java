package io.github.arcgisbridge.testbed.arcgis;

import java.util.Set;
import java.util.concurrent.CountDownLatch;

import io.github.arcgisbridge.testbed.config.Environment;

/**
 * Runs the ArcGIS portal emulator standalone: {@code Main [port] [issuer]} (defaults 8090 and Keycloak's realm
 * {@code arcgis} on localhost:8080), with its OpenID Connect login pointing at that issuer as client
 * {@code arcgis-online}, the app {@code keycloak-bridge} that Keycloak's ArcGIS identity provider links accounts
 * through, and the demo app pages under {@code /app/}. Environment:
 * <ul>
 * <li>{@code ARCGIS_OIDC_CLIENT_SECRET} (required): the secret of Keycloak's client {@code arcgis-online} (of the
 * login's client at {@code ARCGIS_OIDC_ISSUER} when that is set);</li>
 * <li>{@code ARCGIS_APP_CLIENT_SECRET} (required): the secret of the app {@code keycloak-bridge} in the portal;</li>
 * <li>{@code ARCGIS_OIDC_ISSUER} and {@code ARCGIS_OIDC_CLIENT_ID}: the OpenID Connect login points at this issuer as
 * this client instead (the "beside" deployment: the organisation keeps signing in to ArcGIS with IdentityServer4, and
 * Keycloak, the issuer argument, only links accounts and exchanges tokens);</li>
 * <li>{@code ARCGIS_OIDC_IDP_ID}: the login's id in its redirect URI ({@code <sharing/rest>/oauth2/oidc/<id>/signin};
 * random otherwise), so that the redirect URI can be registered at an IdP that matches it exactly and starts first;</li>
 * <li>{@code ARCGIS_MODE=enterprise}: an ArcGIS Enterprise portal at {@code /portal} with a federated server at
 * {@code /server}, instead of an ArcGIS Online organisation;</li>
 * <li>{@code ARCGIS_USER_TOKEN_SECONDS}: shorter member access tokens (30 minutes, as ArcGIS, otherwise), for
 * watching expiry. {@code POST /emulator/clock advanceSeconds=N} moves the emulator's clock instead.</li>
 * <li>{@code ARCGIS_MAX_TOKEN_EXPIRATION_MINUTES}: the organisation's maximum token expiration (none otherwise), which
 * caps refresh tokens: short links, for watching their renewal.</li>
 * </ul>
 * Each secret may instead be given as a file, named by {@code <VARIABLE>_FILE} (as docker-compose.yml does).
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8090;
        String issuer = args.length > 1 ? args[1] : "http://localhost:8080/realms/arcgis";
        String loginIssuer = Environment.optional("ARCGIS_OIDC_ISSUER", issuer);
        String loginClient = Environment.optional("ARCGIS_OIDC_CLIENT_ID", "arcgis-online");
        String oidcClientSecret = Environment.secret("ARCGIS_OIDC_CLIENT_SECRET", "the secret of client " + loginClient + " at " + loginIssuer);
        String appClientSecret = Environment.secret("ARCGIS_APP_CLIENT_SECRET", "the secret of the app keycloak-bridge registered in the portal");
        boolean enterprise = "enterprise".equalsIgnoreCase(System.getenv().getOrDefault("ARCGIS_MODE", "online").trim());
        String idpId = Environment.optional("ARCGIS_OIDC_IDP_ID", ArcGisPortal.randomIdpId());
        if (!idpId.matches("[A-Za-z0-9]{1,32}")) {
            System.err.println("ARCGIS_OIDC_IDP_ID must be 1 to 32 letters or digits (it is a path segment).");
            System.exit(2);
        }
        ArcGisPortal portal = enterprise ? ArcGisPortal.startEnterprise(port, "Example portal (emulated ArcGIS Enterprise)", idpId)
                : ArcGisPortal.start(port, "example", "Example organisation (emulated)", idpId);
        Runtime.getRuntime().addShutdownHook(new Thread(portal::close));
        String tokenSeconds = System.getenv("ARCGIS_USER_TOKEN_SECONDS");
        if (tokenSeconds != null && !tokenSeconds.isBlank()) {
            portal.userTokenSeconds(Integer.parseInt(tokenSeconds.trim()));
        }
        String maxTokenMinutes = System.getenv("ARCGIS_MAX_TOKEN_EXPIRATION_MINUTES");
        if (maxTokenMinutes != null && !maxTokenMinutes.isBlank()) {
            portal.maxTokenExpirationMinutes(Integer.parseInt(maxTokenMinutes.trim()));
        }
        String button = loginIssuer.equals(issuer) ? "Sign in with Keycloak" : "Sign in with IdentityServer4";
        portal.configureOidcLogin(OidcLoginSettings.fromDiscovery(button, loginClient, oidcClientSecret,
                ProviderDiscovery.fetch(loginIssuer)));
        String demo = portal.mountDemoApp();
        portal.registerApp(new ArcGisPortal.App("keycloak-bridge", appClientSecret, Set.of(issuer + "/broker/arcgis/endpoint")));
        System.out.println((enterprise ? "ArcGIS Enterprise portal" : "ArcGIS Online organisation (urlKey 'example')")
                + " emulator; Portal URL to enter in Keycloak: " + portal.baseUrl());
        System.out.println("  sharing API " + portal.sharingRest() + "; secured layer " + portal.featureLayerUrl());
        System.out.println("  OpenID Connect login -> " + loginIssuer + " as client " + loginClient
                + "; redirect URI " + portal.oidcRedirectUri());
        System.out.println("  app keycloak-bridge: redirect URI " + issuer + "/broker/arcgis/endpoint");
        System.out.println("  watch a sign-in in a browser: " + demo);
        new CountDownLatch(1).await();
    }
}
