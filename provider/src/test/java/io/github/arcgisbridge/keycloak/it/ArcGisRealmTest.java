package io.github.arcgisbridge.keycloak.it;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.keycloak.testframework.annotations.InjectEvents;
import org.keycloak.testframework.annotations.InjectRealm;
import org.keycloak.testframework.events.Events;
import org.keycloak.testframework.realm.ManagedRealm;
import org.keycloak.testframework.remote.timeoffset.InjectTimeOffSet;
import org.keycloak.testframework.remote.timeoffset.TimeOffSet;

import io.github.arcgisbridge.testbed.InProcessUpstreams;
import io.github.arcgisbridge.testbed.arcgis.ArcGisPortal;
import io.github.arcgisbridge.testbed.identityserver.IdentityServer4Issuer;

/**
 * What the ArcGIS tests on the shipped realm share: the realm, its events, Keycloak's clock, the IdentityServer4
 * look-alike and the ArcGIS portal (back to their defaults around each test), and the portal signing its members in
 * through Keycloak, with an ArcGIS account of their own for each test ({@link ArcGisAccounts}).
 */
@ExtendWith(TestbedDefaults.class)
abstract class ArcGisRealmTest {

    @InjectRealm(config = ArcgisRealmConfig.class)
    ManagedRealm realm;

    @InjectEvents
    Events events;

    @InjectTimeOffSet
    TimeOffSet time;

    final IdentityServer4Issuer issuer = Testbed.issuer();
    final ArcGisPortal portal = InProcessUpstreams.portal();
    ArcGisAccounts accounts;

    @BeforeEach
    void portalTrustsKeycloak() {
        accounts = new ArcGisAccounts(realm, portal).portalTrustsKeycloak();
    }
}
