package io.github.arcgisbridge.testbed.identityserver;

import java.util.Set;
import java.util.concurrent.CountDownLatch;

import io.github.arcgisbridge.testbed.config.Environment;

/**
 * Runs the testbed issuer standalone: {@code java ... Main [port] [keycloak base URL] [map app base URL]} (defaults
 * 5000, http://localhost:8080, http://localhost:8081), with Keycloak's broker registered as client
 * {@code keycloak-broker} and the example map app as public client {@code map-spa}. Environment:
 * <ul>
 * <li>{@code IS4_BROKER_CLIENT_SECRET} (required): the secret of client {@code keycloak-broker} (Keycloak's vault
 * holds the same value);</li>
 * <li>{@code IS4_API_SECRET} (required): the secret of the API resource {@code arcgis-bridge} that introspects
 * reference tokens;</li>
 * <li>{@code IS4_ARCGIS_REDIRECT_URI} and {@code IS4_ARCGIS_CLIENT_SECRET}: also register ArcGIS's OpenID Connect login
 * as confidential client {@code arcgis-portal} with that redirect URI, as an organisation that signs in to ArcGIS with
 * IdentityServer4 directly has it (the "beside" deployment: Keycloak beside ArcGIS's login, not in front of it);</li>
 * <li>{@code TESTBED_LOAD_USERS=N}: N generated users ({@link TestUser#generated(int)}) for load runs.</li>
 * </ul>
 * Each secret may instead be given as a file, named by {@code <VARIABLE>_FILE} (as docker-compose.yml does).
 */
public final class Main {

    /** The client id ArcGIS's OpenID Connect login has at IdentityServer4 in the "beside" deployment. */
    public static final String ARCGIS_CLIENT = "arcgis-portal";

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        String keycloak = args.length > 1 ? args[1] : "http://localhost:8080";
        // Secrets come from the environment only, so no checkout holds a secret a running issuer accepts.
        String brokerSecret = Environment.secret("IS4_BROKER_CLIENT_SECRET", "the secret of client keycloak-broker");
        String apiSecret = Environment.secret("IS4_API_SECRET", "the secret of the API resource " + IdentityServer4Issuer.API_NAME);
        String arcgisRedirectUri = System.getenv("IS4_ARCGIS_REDIRECT_URI");
        String arcgisSecret = arcgisRedirectUri == null || arcgisRedirectUri.isBlank() ? null
                : Environment.secret("IS4_ARCGIS_CLIENT_SECRET", "the secret of client " + ARCGIS_CLIENT + " (ArcGIS's OpenID Connect login)");
        IdentityServer4Issuer issuer = IdentityServer4Issuer.start(port, apiSecret);
        issuer.registerClient(new RegisteredClient("keycloak-broker", brokerSecret,
                Set.of(keycloak + "/realms/arcgis/broker/identityserver4/endpoint")));
        String mapApp = args.length > 2 ? args[2] : "http://localhost:8081";
        issuer.registerClient(new RegisteredClient("map-spa", null, Set.of(mapApp + "/callback")));
        if (arcgisSecret != null) {
            issuer.registerClient(new RegisteredClient(ARCGIS_CLIENT, arcgisSecret, Set.of(arcgisRedirectUri.trim())));
        }
        int loadUsers = Integer.parseInt(System.getenv().getOrDefault("TESTBED_LOAD_USERS", "0"));
        for (int n = 1; n <= loadUsers; n++) {
            issuer.addUser(TestUser.generated(n));
        }
        Runtime.getRuntime().addShutdownHook(new Thread(issuer::close));
        System.out.println("IdentityServer4-compatible testbed issuer listening at " + issuer.issuer());
        System.out.println("  discovery: " + issuer.issuer() + "/.well-known/openid-configuration");
        System.out.println("  users: alice/alice (sub 818727), bob/bob (sub 88421113); clients map-spa (password grant), keycloak-broker"
                + (arcgisSecret != null ? ", " + ARCGIS_CLIENT + " (ArcGIS's OpenID Connect login, " + arcgisRedirectUri.trim() + ")" : "")
                + (loadUsers > 0 ? "; load00001.." + TestUser.generated(loadUsers).username() + " (password = username)" : ""));
        new CountDownLatch(1).await();
    }
}
