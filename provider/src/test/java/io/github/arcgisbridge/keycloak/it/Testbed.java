package io.github.arcgisbridge.keycloak.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Set;

import io.github.arcgisbridge.testbed.arcgis.ArcGisPortal;
import io.github.arcgisbridge.testbed.identityserver.IdentityServer4Issuer;
import io.github.arcgisbridge.testbed.identityserver.RegisteredClient;

/**
 * The in-process upstreams shared by the integration tests (one of each per test JVM, on free ports): the
 * IdentityServer4 look-alike, with Keycloak's broker registered as a client, and the ArcGIS portal emulator.
 */
final class Testbed {

    static final String KEYCLOAK_BROKER_REDIRECT = "http://localhost:8080/realms/arcgis/broker/identityserver4/endpoint";

    private static IdentityServer4Issuer issuer;
    private static ArcGisPortal portal;
    private static ArcGisPortal enterprisePortal;

    private Testbed() {
    }

    static synchronized IdentityServer4Issuer issuer() {
        if (issuer == null) {
            issuer = started(() -> IdentityServer4Issuer.start(0));
            issuer.registerClient(new RegisteredClient("keycloak-broker", BridgeServerConfig.BROKER_CLIENT_SECRET, Set.of(KEYCLOAK_BROKER_REDIRECT)));
        }
        return issuer;
    }

    static synchronized ArcGisPortal portal() {
        if (portal == null) {
            portal = started(() -> ArcGisPortal.start(0, "bridgeorg", "Bridge test organisation"));
        }
        return portal;
    }

    /** An ArcGIS Enterprise portal (context path /portal) with a federated ArcGIS Server. */
    static synchronized ArcGisPortal enterprisePortal() {
        if (enterprisePortal == null) {
            enterprisePortal = started(() -> ArcGisPortal.startEnterprise(0, "Bridge test Enterprise portal"));
        }
        return enterprisePortal;
    }

    private interface Server<T extends AutoCloseable> {
        T start() throws IOException;
    }

    /** Started now, closed when the test JVM exits. */
    private static <T extends AutoCloseable> T started(Server<T> server) {
        T started;
        try {
            started = server.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                started.close();
            } catch (Exception e) {
                // the JVM is exiting; nothing is left to clean up after
            }
        }));
        return started;
    }
}
