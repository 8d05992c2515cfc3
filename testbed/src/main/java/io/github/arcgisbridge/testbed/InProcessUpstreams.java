package io.github.arcgisbridge.testbed;

import java.io.IOException;
import java.io.UncheckedIOException;

import io.github.arcgisbridge.testbed.arcgis.ArcGisPortal;
import io.github.arcgisbridge.testbed.identityserver.IdentityServer4Issuer;

/**
 * The upstreams that integration tests against a real Keycloak share (the provider's and the Java backend example's):
 * the IdentityServer4 look-alike and the ArcGIS emulators, in-process on free ports. Keycloak's realm is pointed at
 * them once, so each is started the first time a test asks for it, shared by every test in the JVM, and closed when
 * the JVM exits. A test that needs a fresh upstream starts its own.
 */
public final class InProcessUpstreams {

    private static IdentityServer4Issuer issuer;
    private static ArcGisPortal portal;
    private static ArcGisPortal enterprisePortal;

    private InProcessUpstreams() {
    }

    public static synchronized IdentityServer4Issuer issuer() {
        if (issuer == null) {
            issuer = started(() -> IdentityServer4Issuer.start(0));
        }
        return issuer;
    }

    /** An ArcGIS Online organisation, URL key {@code bridgeorg} (its members' usernames end in {@code _bridgeorg}). */
    public static synchronized ArcGisPortal portal() {
        if (portal == null) {
            portal = started(() -> ArcGisPortal.start(0, "bridgeorg", "Bridge test organisation"));
        }
        return portal;
    }

    /** An ArcGIS Enterprise portal (context path /portal) with a federated ArcGIS Server. */
    public static synchronized ArcGisPortal enterprisePortal() {
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
