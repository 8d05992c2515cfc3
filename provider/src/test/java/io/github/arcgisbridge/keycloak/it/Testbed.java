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
            try {
                issuer = IdentityServer4Issuer.start(0);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(issuer::close));
            issuer.registerClient(new RegisteredClient("keycloak-broker", BridgeServerConfig.BROKER_CLIENT_SECRET, Set.of(KEYCLOAK_BROKER_REDIRECT)));
        }
        return issuer;
    }

    /** An ArcGIS Enterprise portal (context path /portal) with a federated ArcGIS Server. */
    static synchronized ArcGisPortal enterprisePortal() {
        if (enterprisePortal == null) {
            try {
                enterprisePortal = ArcGisPortal.startEnterprise(0, "Bridge test Enterprise portal");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(enterprisePortal::close));
        }
        return enterprisePortal;
    }

    static synchronized ArcGisPortal portal() {
        if (portal == null) {
            try {
                portal = ArcGisPortal.start(0, "bridgeorg", "Bridge test organisation");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(portal::close));
        }
        return portal;
    }
}
