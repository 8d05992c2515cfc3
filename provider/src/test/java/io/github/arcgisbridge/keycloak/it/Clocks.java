package io.github.arcgisbridge.keycloak.it;

import java.time.Duration;

import org.keycloak.common.util.Time;
import org.keycloak.testframework.remote.timeoffset.TimeOffSet;

import io.github.arcgisbridge.testbed.clock.TestbedClock;

/**
 * Moves Keycloak's clock and the testbed's (IdentityServer4 and ArcGIS) forward together, so a token's life, a
 * link's weeks or an idle fortnight pass in a test without waiting and without shortening any lifetime.
 */
final class Clocks {

    private Clocks() {
    }

    static void advance(TimeOffSet keycloak, Duration by) {
        keycloak.set(Time.getOffset() + Math.toIntExact(by.toSeconds()));
        TestbedClock.advance(by);
    }

    /** After a test: the testbed back on the wall clock (the framework resets Keycloak's offset itself). */
    static void resetTestbed() {
        TestbedClock.reset();
    }
}
