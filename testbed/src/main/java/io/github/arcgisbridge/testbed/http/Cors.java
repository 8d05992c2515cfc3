package io.github.arcgisbridge.testbed.http;

import com.sun.net.httpserver.HttpHandler;

/** Cross-origin access for endpoints that browser apps on other origins call directly. */
public final class Cors {

    private Cors() {
    }

    /**
     * Answers preflights and allows any origin: the token in the request, not a cookie, authorises, so no origin
     * needs to be singled out.
     */
    public static HttpHandler anyOrigin(HttpHandler handler) {
        return exchange -> {
            exchange.getResponseHeaders().add("Access-Control-Allow-Origin", "*");
            if ("OPTIONS".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().add("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
                exchange.getResponseHeaders().add("Access-Control-Allow-Headers", "Authorization, X-Esri-Authorization, Content-Type");
                exchange.sendResponseHeaders(204, -1);
                exchange.close();
                return;
            }
            handler.handle(exchange);
        };
    }
}
