package io.github.arcgisbridge.testbed.arcgis;

/**
 * Where the portal and its server live on the emulator's one HTTP server. ArcGIS Online: the organisation's portal at
 * the root and its hosting server beside it ({@code /rest/...}). ArcGIS Enterprise: the portal behind its web adaptor
 * context ({@code /portal/sharing/rest}, Esri's {@code https://machine.domain.com/webadaptor/sharing/rest}) and a
 * federated ArcGIS Server at {@code /server/rest/...}.
 */
record Deployment(String host, boolean enterprise) {

    /** The "Portal URL" an administrator enters: the portal's root, its web adaptor context included. */
    String baseUrl() {
        return host + portalContext();
    }

    String portalContext() {
        return enterprise ? "/portal" : "";
    }

    String sharingRest() {
        return baseUrl() + "/sharing/rest";
    }

    /** The path of the server's root ({@code <root>/rest/info}, {@code <root>/rest/services}). */
    String serverContext() {
        return enterprise ? "/server" : "";
    }

    String serverRoot() {
        return host + serverContext();
    }

    /** The host name and port, without the scheme. */
    String hostname() {
        return host.replaceFirst("^https?://", "");
    }

    /** {@code portals/self} {@code portalHostname}: the host and, on Enterprise, the web adaptor context. */
    String portalHostname() {
        return hostname() + portalContext();
    }
}
