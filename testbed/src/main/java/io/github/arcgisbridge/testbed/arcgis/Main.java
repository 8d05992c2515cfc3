package io.github.arcgisbridge.testbed.arcgis;

import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the ArcGIS portal emulator standalone: {@code Main [port] [issuer]} (defaults 8090 and Keycloak's realm
 * {@code arcgis} on localhost:8080), with its OpenID Connect login pointing at that issuer as client
 * {@code arcgis-online}, the app {@code keycloak-bridge} that Keycloak's ArcGIS identity provider links accounts
 * through, and the demo app pages under {@code /app/}. {@code ARCGIS_USER_TOKEN_SECONDS} shortens user tokens
 * (30 minutes by default, as ArcGIS), for watching expiry.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 8090;
        String issuer = args.length > 1 ? args[1] : "http://localhost:8080/realms/arcgis";
        ArcGisPortal portal = ArcGisPortal.start(port, "example", "Example organisation (emulated)");
        String tokenSeconds = System.getenv("ARCGIS_USER_TOKEN_SECONDS");
        if (tokenSeconds != null && !tokenSeconds.isBlank()) {
            portal.userTokenSeconds(Integer.parseInt(tokenSeconds.trim()));
        }
        Runtime.getRuntime().addShutdownHook(new Thread(portal::close));
        portal.configureOidcLogin(OidcLoginSettings.fromDiscovery("Sign in with Keycloak", "arcgis-online", "arcgis-online-secret",
                ProviderDiscovery.fetch(issuer)));
        String demo = portal.mountDemoApp();
        portal.registerApp(new ArcGisPortal.App("keycloak-bridge", "keycloak-bridge-secret",
                Set.of(issuer + "/broker/arcgis/endpoint")));
        System.out.println("ArcGIS portal emulator at " + portal.sharingRest() + " (org urlKey 'example')");
        System.out.println("  OpenID Connect login -> " + issuer + " as client arcgis-online; redirect URI " + portal.oidcRedirectUri());
        System.out.println("  watch a sign-in in a browser: " + demo);
        new CountDownLatch(1).await();
    }
}
