package io.github.arcgisbridge.testbed.arcgis;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.sun.net.httpserver.HttpExchange;

import io.github.arcgisbridge.testbed.http.Exchanges;

/**
 * Where a request to ArcGIS carries its token: the {@code token} parameter (query string or form body), or an
 * {@code X-Esri-Authorization} or {@code Authorization} header with {@code Bearer} (Esri, "HTTP authorization
 * headers"). The header Esri defined for web-tier-authenticated services comes first, because there
 * {@code Authorization} carries the web tier's own credentials.
 */
final class RequestToken {

    /** Query parameters that put a token in a URL, where proxies and logs see it. */
    private static final Set<String> TOKEN_PARAMETERS = Set.of("token", "access_token", "refresh_token", "auth_token");

    private RequestToken() {
    }

    /** The request's token, or null. */
    static String of(HttpExchange exchange, Map<String, String> params) {
        String token = params.get("token");
        if (token != null && !token.isBlank()) {
            return token;
        }
        for (String header : List.of("X-Esri-Authorization", "Authorization")) {
            String value = exchange.getRequestHeaders().getFirst(header);
            if (value != null && value.regionMatches(true, 0, "Bearer ", 0, 7)) {
                return value.substring(7).trim();
            }
        }
        return null;
    }

    /** Whether the URL itself carries a token. */
    static boolean inUrl(URI uri) {
        return Exchanges.query(uri).entrySet().stream()
                .anyMatch(parameter -> TOKEN_PARAMETERS.contains(parameter.getKey()) && !parameter.getValue().isBlank());
    }
}
