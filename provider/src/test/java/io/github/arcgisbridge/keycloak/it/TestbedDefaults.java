package io.github.arcgisbridge.keycloak.it;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.github.arcgisbridge.testbed.InProcessUpstreams;
import io.github.arcgisbridge.testbed.http.Fault;

/**
 * For test classes that make the shared upstreams misbehave or move the testbed clock: before and after each test,
 * IdentityServer4 and the ArcGIS portals answer normally again, with their default settings, on the wall clock.
 */
final class TestbedDefaults implements BeforeEachCallback, AfterEachCallback {

    @Override
    public void beforeEach(ExtensionContext context) {
        restore();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        restore();
    }

    private static void restore() {
        Testbed.issuer().fault(Fault.NONE);
        InProcessUpstreams.portal().restoreTestSettings();
        InProcessUpstreams.enterprisePortal().restoreTestSettings();
        Clocks.resetTestbed();
    }
}
