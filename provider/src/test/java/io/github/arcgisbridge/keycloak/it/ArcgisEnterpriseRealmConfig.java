package io.github.arcgisbridge.keycloak.it;

import io.github.arcgisbridge.testbed.InProcessUpstreams;
import io.github.arcgisbridge.testbed.arcgis.ArcGisPortal;

/** The shipped realm export with its ArcGIS identity provider pointed at an ArcGIS Enterprise portal. */
public final class ArcgisEnterpriseRealmConfig extends ArcgisRealmConfig {

    @Override
    ArcGisPortal portal() {
        return InProcessUpstreams.enterprisePortal();
    }
}
