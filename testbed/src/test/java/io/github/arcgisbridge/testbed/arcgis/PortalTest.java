package io.github.arcgisbridge.testbed.arcgis;

import java.io.IOException;
import java.util.Locale;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

import io.github.arcgisbridge.testbed.clock.TestbedClock;

/** A portal of its own per test, with the sign-in clients registered ({@link SignIns#prepare}); the clock reset after. */
abstract class PortalTest {

    protected ArcGisPortal portal;

    @BeforeEach
    void startPortal() throws IOException {
        String name = getClass().getSimpleName();
        portal = ArcGisPortal.start(0, name.toLowerCase(Locale.ROOT), name);
        SignIns.prepare(portal);
    }

    @AfterEach
    void stopPortal() {
        portal.close();
        TestbedClock.reset();
    }
}
