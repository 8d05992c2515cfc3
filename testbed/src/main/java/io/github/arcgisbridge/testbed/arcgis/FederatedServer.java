package io.github.arcgisbridge.testbed.arcgis;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import com.sun.net.httpserver.HttpExchange;

import io.github.arcgisbridge.testbed.http.Exchanges;

/**
 * The ArcGIS Server the secured feature layer lives on, owned by the portal. On Enterprise it is a federated server:
 * it takes only server tokens that the portal's {@code generateToken} issued for it ("This server-token is required
 * for clients to access resources from a federated server"). On ArcGIS Online it is the hosting server, which takes
 * the portal's own tokens as well.
 */
final class FederatedServer {

    /** ArcGIS Server's default lifetime of the short-lived tokens it reports in {@code rest/info} (assumed). */
    private static final int SHORT_LIVED_TOKEN_VALIDITY_MINUTES = 60;

    private final ArcGisPortal portal;
    private final String root;
    private final boolean acceptsPortalTokens;
    private final SecuredFeatureService featureService;

    FederatedServer(ArcGisPortal portal, String root, boolean acceptsPortalTokens) {
        this.portal = portal;
        this.root = root;
        this.acceptsPortalTokens = acceptsPortalTokens;
        this.featureService = new SecuredFeatureService(portal, this::accepts);
    }

    String root() {
        return root;
    }

    SecuredFeatureService featureService() {
        return featureService;
    }

    String featureLayerUrl() {
        return root + "/rest/services/" + SecuredFeatureService.NAME + "/FeatureServer/0";
    }

    /** Whether a URL is this server's root or a resource under it; http and https name the same server. */
    boolean covers(String url) {
        String target = withoutScheme(url.trim()).replaceFirst("[?#].*$", "").replaceAll("/+$", "").toLowerCase(Locale.ROOT);
        String own = withoutScheme(root).toLowerCase(Locale.ROOT);
        return target.equals(own) || target.startsWith(own + "/");
    }

    /** {@code rest/info} (Esri, "Server Info"): the owning portal, and its token service, for clients to get a server token. */
    void info(HttpExchange exchange) throws IOException {
        Map<String, Object> authInfo = new LinkedHashMap<>();
        authInfo.put("isTokenBasedSecurity", true);
        authInfo.put("tokenServicesUrl", portal.sharingRest() + "/generateToken");
        authInfo.put("shortLivedTokenValidity", SHORT_LIVED_TOKEN_VALIDITY_MINUTES);
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("currentVersion", 11.3);
        info.put("fullVersion", "11.3.0");
        info.put("owningSystemUrl", portal.baseUrl());
        info.put("authInfo", authInfo);
        Exchanges.json(exchange, 200, info);
    }

    private boolean accepts(String token) {
        TokenStore.ServerGrant server = portal.tokens().server(token);
        return server != null && server.serverRoot().equals(root) || acceptsPortalTokens && portal.tokens().access(token) != null;
    }

    private static String withoutScheme(String url) {
        return url.replaceFirst("^[a-zA-Z][a-zA-Z0-9+.-]*://", "");
    }
}
