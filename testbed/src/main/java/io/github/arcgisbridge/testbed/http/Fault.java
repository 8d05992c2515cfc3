package io.github.arcgisbridge.testbed.http;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

/**
 * How a testbed upstream misbehaves, so tests can check what a relying party does when an endpoint it depends on
 * is down, slow, or answers something that is not what it asked for.
 */
public enum Fault {
    /** Answers normally. */
    NONE,
    /** HTTP 503 with no body, as a load balancer in front of a stopped service answers. */
    HTTP_503,
    /** Answers normally, but only after {@link #SLOW_DELAY_MILLIS}: longer than Keycloak's default 5 s socket timeout. */
    SLOW,
    /** HTTP 200 labelled JSON with an HTML error page in it, as a misconfigured proxy answers. */
    GARBAGE,
    /** HTTP 200 with JSON cut off in the middle. */
    MALFORMED_JSON,
    /** HTTP 200 with well-formed JSON of the wrong shape: every member a relying party reads has the wrong type. */
    WRONG_SHAPE,
    /**
     * The request is processed (whatever it changes, changes) and then the connection closes with no response, as
     * when a network path drops the answer: the client cannot tell whether its request took effect.
     */
    ANSWER_LOST;

    public static final long SLOW_DELAY_MILLIS = 8_000;

    /** Applies this fault around a handler: the handler runs unless the fault answers instead of it. */
    public void serve(HttpExchange exchange, HttpHandler handler) throws IOException {
        if (this == ANSWER_LOST) {
            handler.handle(new UnansweredExchange(exchange));
            // Closing an exchange whose response headers were never sent closes the connection itself.
            exchange.close();
        } else if (!answer(exchange)) {
            handler.handle(exchange);
        }
    }

    /**
     * Applies this fault before a handler. Returns true when the fault has answered the request (the handler must
     * stop), false when the handler should answer as usual (no fault, or after the delay of a slow one).
     * {@link #ANSWER_LOST} acts after the handler, so it needs {@link #serve(HttpExchange, HttpHandler)}.
     */
    public boolean answer(HttpExchange exchange) throws IOException {
        switch (this) {
            case HTTP_503 -> {
                exchange.sendResponseHeaders(503, -1);
                exchange.close();
                return true;
            }
            case SLOW -> {
                try {
                    Thread.sleep(SLOW_DELAY_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return false;
            }
            case GARBAGE -> {
                return write(exchange, "<html><body>502 Bad Gateway: upstream proxy error</body></html>");
            }
            case MALFORMED_JSON -> {
                return write(exchange, "{\"active\": true, \"keys\": [{\"kty\": \"RSA\", \"kid\": ");
            }
            case WRONG_SHAPE -> {
                return write(exchange, "{\"keys\": {\"kid\": 7}, \"active\": \"true\", \"exp\": \"soon\", \"sub\": [1],"
                        + " \"scope\": {\"arcgis.read\": true}, \"access_token\": 42, \"expires_in\": \"never\"}");
            }
            case ANSWER_LOST -> throw new IllegalStateException("ANSWER_LOST acts after the handler: apply it with serve()");
            default -> {
                return false;
            }
        }
    }

    private static boolean write(HttpExchange exchange, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
        return true;
    }
}
