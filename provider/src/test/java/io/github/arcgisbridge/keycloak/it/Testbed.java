package io.github.arcgisbridge.keycloak.it;

import java.util.Set;

import io.github.arcgisbridge.testbed.InProcessUpstreams;
import io.github.arcgisbridge.testbed.identityserver.IdentityServer4Issuer;
import io.github.arcgisbridge.testbed.identityserver.RegisteredClient;

/**
 * The shared in-process IdentityServer4 look-alike ({@link InProcessUpstreams}) as these tests need it: with Keycloak's
 * broker registered as a client, so that sign-ins through the realm's IdentityServer4 identity provider complete.
 */
final class Testbed {

    static final String KEYCLOAK_BROKER_REDIRECT = "http://localhost:8080/realms/arcgis/broker/identityserver4/endpoint";

    private static boolean brokerRegistered;

    private Testbed() {
    }

    static synchronized IdentityServer4Issuer issuer() {
        IdentityServer4Issuer issuer = InProcessUpstreams.issuer();
        if (!brokerRegistered) {
            issuer.registerClient(new RegisteredClient("keycloak-broker", BridgeServerConfig.BROKER_CLIENT_SECRET, Set.of(KEYCLOAK_BROKER_REDIRECT)));
            brokerRegistered = true;
        }
        return issuer;
    }
}
