package io.github.arcgisbridge.example;

import java.io.IOException;
import java.io.UncheckedIOException;

import io.github.arcgisbridge.testbed.arcgis.ArcGisPortal;
import io.github.arcgisbridge.testbed.identityserver.IdentityServer4Issuer;

/** The testbed's IdentityServer4 look-alike and ArcGIS emulator, in-process on free ports, one of each per test JVM. */
final class Upstreams {

    private static IdentityServer4Issuer issuer;
    private static ArcGisPortal portal;

    private Upstreams() {
    }

    static synchronized IdentityServer4Issuer issuer() {
        if (issuer == null) {
            try {
                issuer = IdentityServer4Issuer.start(0);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(issuer::close));
        }
        return issuer;
    }

    static synchronized ArcGisPortal portal() {
        if (portal == null) {
            try {
                portal = ArcGisPortal.start(0, "backendorg", "Java backend test organisation");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(portal::close));
        }
        return portal;
    }
}
