package io.github.arcgisbridge.testbed.identityserver;

import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the testbed issuer standalone: {@code java ... Main [port] [keycloak base URL] [map app base URL]} (defaults
 * 5000, http://localhost:8080, http://localhost:8081), with Keycloak's broker registered as client
 * {@code keycloak-broker} and the example map app as public client {@code map-spa}. Environment variable
 * {@code TESTBED_LOAD_USERS=N} adds N generated users ({@link TestUser#generated(int)}) for load runs.
 */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        String keycloak = args.length > 1 ? args[1] : "http://localhost:8080";
        IdentityServer4Issuer issuer = IdentityServer4Issuer.start(port);
        issuer.registerClient(new RegisteredClient("keycloak-broker", "keycloak-broker-secret",
                Set.of(keycloak + "/realms/arcgis/broker/identityserver4/endpoint")));
        String mapApp = args.length > 2 ? args[2] : "http://localhost:8081";
        issuer.registerClient(new RegisteredClient("map-spa", null, Set.of(mapApp + "/callback")));
        int loadUsers = Integer.parseInt(System.getenv().getOrDefault("TESTBED_LOAD_USERS", "0"));
        for (int n = 1; n <= loadUsers; n++) {
            issuer.addUser(TestUser.generated(n));
        }
        Runtime.getRuntime().addShutdownHook(new Thread(issuer::close));
        System.out.println("IdentityServer4-compatible testbed issuer listening at " + issuer.issuer());
        System.out.println("  discovery: " + issuer.issuer() + "/.well-known/openid-configuration");
        System.out.println("  users: alice/alice (sub 818727), bob/bob (sub 88421113); clients map-spa (password grant), keycloak-broker"
                + (loadUsers > 0 ? "; load00001.." + TestUser.generated(loadUsers).username() + " (password = username)" : ""));
        new CountDownLatch(1).await();
    }
}
