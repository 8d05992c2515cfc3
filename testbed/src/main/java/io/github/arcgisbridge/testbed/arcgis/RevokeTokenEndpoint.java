package io.github.arcgisbridge.testbed.arcgis;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import com.sun.net.httpserver.HttpExchange;

import io.github.arcgisbridge.testbed.http.Exchanges;

/**
 * {@code oauth2/revokeToken} (Esri, "Revoke Token"): POST only, {@code auth_token}, {@code client_id} and an optional
 * {@code token_type_hint} (not needed: the emulator knows each token's type). Success also for unknown, expired and
 * unsupported tokens, "to prevent leaking information about the passed-in token"; a token of another app is not
 * revoked and answers "Invalid client_id".
 */
final class RevokeTokenEndpoint {

    private final ArcGisPortal portal;

    RevokeTokenEndpoint(ArcGisPortal portal) {
        this.portal = portal;
    }

    void handle(HttpExchange exchange) throws IOException {
        portal.stats().revokeRequested();
        portal.fault(ArcGisPortal.Endpoint.REVOKE_TOKEN).serve(exchange, this::revoke);
    }

    private void revoke(HttpExchange exchange) throws IOException {
        if (!"POST".equals(exchange.getRequestMethod())) {
            portal.errors().postOnly(exchange);
            return;
        }
        Map<String, String> params = Exchanges.params(exchange);
        switch (portal.tokens().revoke(params.get("auth_token"), params.get("client_id"))) {
            case REVOKED -> {
                portal.stats().revoked();
                Exchanges.json(exchange, 200, Map.of("success", true));
            }
            case NOTHING_TO_REVOKE -> Exchanges.json(exchange, 200, Map.of("success", true));
            case OTHER_APPS_TOKEN -> portal.errors().rest(exchange, 400, "Invalid client_id", List.of());
        }
    }
}
