package io.github.arcgisbridge.keycloak.it;

import java.io.IOException;
import java.io.UncheckedIOException;

import io.github.arcgisbridge.testbed.identityserver.IdentityServer4Issuer;

/** The in-process IdentityServer4 look-alike shared by the integration tests (one per test JVM, free port). */
final class Testbed {

    private static IdentityServer4Issuer issuer;

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
        }
        return issuer;
    }
}
