package io.github.arcgisbridge.testbed.arcgis;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.sun.net.httpserver.HttpExchange;

import io.github.arcgisbridge.testbed.http.Exchanges;

/**
 * ArcGIS's error answers: {@code {"error":{"code":N,"message":"...","details":[...]}}}, to which the oauth2
 * endpoints add {@code error} and {@code error_description}. Esri's clients read the error from the body of an
 * HTTP 200 answer, so that is the default; {@link #withHttpStatus(boolean)} sends the code as the HTTP status
 * instead, for checking that a client copes with both.
 */
final class ArcGisErrors {

    private volatile boolean withHttpStatus;

    void withHttpStatus(boolean on) {
        this.withHttpStatus = on;
    }

    /** An oauth2 endpoint's refusal; Esri's examples use {@code invalid_request} for all of them. */
    void oauth(HttpExchange exchange, int code, String description) throws IOException {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code);
        error.put("error", "invalid_request");
        error.put("error_description", description);
        error.put("message", description);
        error.put("details", List.of());
        send(exchange, code, error);
    }

    void rest(HttpExchange exchange, int code, String message, List<String> details) throws IOException {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code);
        error.put("message", message);
        error.put("details", details);
        send(exchange, code, error);
    }

    /** 499: the resource needs a token and the request carried none. */
    void tokenRequired(HttpExchange exchange) throws IOException {
        rest(exchange, 499, "Token Required", List.of());
    }

    /** 498: the token is unknown, expired, revoked, or not good for this resource. */
    void invalidToken(HttpExchange exchange) throws IOException {
        rest(exchange, 498, "Invalid token.", List.of());
    }

    /** 405: a POST-only operation called with another method. */
    void postOnly(HttpExchange exchange) throws IOException {
        rest(exchange, 405, "Method not supported.", List.of());
    }

    private void send(HttpExchange exchange, int code, Map<String, Object> error) throws IOException {
        Exchanges.json(exchange, withHttpStatus ? code : 200, Map.of("error", error));
    }
}
