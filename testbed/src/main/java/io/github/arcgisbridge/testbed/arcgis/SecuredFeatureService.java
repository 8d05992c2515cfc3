package io.github.arcgisbridge.testbed.arcgis;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import com.sun.net.httpserver.HttpExchange;

import io.github.arcgisbridge.testbed.http.Exchanges;

/**
 * A feature layer that only holders of an accepted token may read: {@code .../FeatureServer/0[/query]} with the token
 * where {@link RequestToken} finds it. Without one it answers 499 "Token Required", with one its server does not
 * accept 498 "Invalid token." ({@link ArcGisErrors}).
 */
final class SecuredFeatureService {

    static final String NAME = "Parcels";
    private static final double[][] POINTS = {
        {-117.1956, 34.0561}, {-117.1824, 34.0555}, {-117.2012, 34.0622}, {-117.1890, 34.0489},
        {-117.1771, 34.0601}, {-117.2065, 34.0534}, {-117.1932, 34.0650}, {-117.1850, 34.0520},
        {-117.1990, 34.0588}, {-117.1805, 34.0633}, {-117.2040, 34.0579}, {-117.1911, 34.0512}};

    private final ArcGisPortal portal;
    private final Predicate<String> acceptsToken;

    SecuredFeatureService(ArcGisPortal portal, Predicate<String> acceptsToken) {
        this.portal = portal;
        this.acceptsToken = acceptsToken;
    }

    int featureCount() {
        return POINTS.length;
    }

    void handle(HttpExchange exchange) throws IOException {
        Map<String, String> params = Exchanges.params(exchange);
        String token = RequestToken.of(exchange, params);
        if (token == null) {
            portal.errors().tokenRequired(exchange);
            return;
        }
        if (!acceptsToken.test(token)) {
            portal.errors().invalidToken(exchange);
            return;
        }
        if (exchange.getRequestURI().getPath().endsWith("/query")) {
            portal.stats().featureQueried();
            Exchanges.json(exchange, 200, query(params));
        } else {
            Exchanges.json(exchange, 200, layer());
        }
    }

    /** The query forms the ArcGIS Maps SDK uses: features, count only, ids only. Filters are not evaluated. */
    private static Map<String, Object> query(Map<String, String> params) {
        if ("true".equalsIgnoreCase(params.get("returnCountOnly"))) {
            return Map.of("count", POINTS.length);
        }
        if ("true".equalsIgnoreCase(params.get("returnIdsOnly"))) {
            List<Integer> ids = new ArrayList<>();
            for (int i = 0; i < POINTS.length; i++) {
                ids.add(i + 1);
            }
            return Map.of("objectIdFieldName", "OBJECTID", "objectIds", ids);
        }
        return features();
    }

    private static Map<String, Object> features() {
        List<Map<String, Object>> features = new ArrayList<>();
        for (int i = 0; i < POINTS.length; i++) {
            features.add(Map.of("attributes", Map.of("OBJECTID", i + 1, "NAME", "Parcel " + (i + 1)),
                    "geometry", Map.of("x", POINTS[i][0], "y", POINTS[i][1])));
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("objectIdFieldName", "OBJECTID");
        result.put("geometryType", "esriGeometryPoint");
        result.put("spatialReference", Map.of("wkid", 4326));
        result.put("fields", fields());
        result.put("features", features);
        return result;
    }

    /** What the ArcGIS Maps SDK reads before drawing: the layer's schema, extent, renderer and supported formats. */
    private static Map<String, Object> layer() {
        Map<String, Object> layer = new LinkedHashMap<>();
        layer.put("currentVersion", 11.3);
        layer.put("id", 0);
        layer.put("name", NAME);
        layer.put("type", "Feature Layer");
        layer.put("geometryType", "esriGeometryPoint");
        layer.put("objectIdField", "OBJECTID");
        layer.put("fields", fields());
        layer.put("extent", Map.of("xmin", -117.21, "ymin", 34.04, "xmax", -117.17, "ymax", 34.07, "spatialReference", Map.of("wkid", 4326)));
        layer.put("capabilities", "Query");
        layer.put("supportedQueryFormats", "JSON");
        layer.put("maxRecordCount", 1000);
        layer.put("hasAttachments", false);
        layer.put("displayField", "NAME");
        layer.put("advancedQueryCapabilities", Map.of("supportsPagination", false, "supportsQueryWithDistance", false,
                "supportsStatistics", false, "supportsOrderBy", false));
        layer.put("drawingInfo", Map.of("renderer", Map.of("type", "simple", "symbol", Map.of(
                "type", "esriSMS", "style", "esriSMSCircle", "color", List.of(0, 92, 230, 255), "size", 10,
                "outline", Map.of("color", List.of(255, 255, 255, 255), "width", 1)))));
        return layer;
    }

    private static List<Map<String, Object>> fields() {
        return List.of(Map.of("name", "OBJECTID", "type", "esriFieldTypeOID", "alias", "OBJECTID"),
                Map.of("name", "NAME", "type", "esriFieldTypeString", "alias", "Name", "length", 64));
    }
}
