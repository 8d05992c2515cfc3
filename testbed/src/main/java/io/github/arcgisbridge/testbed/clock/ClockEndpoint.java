package io.github.arcgisbridge.testbed.clock;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import io.github.arcgisbridge.testbed.http.Exchanges;

/**
 * Not part of any emulated product: {@code POST} with form field {@code advanceSeconds=N} moves the
 * {@link TestbedClock} forward, so a standalone run (no test code in the JVM) can be made to see tokens expire.
 * Answers the clock's new time.
 */
public final class ClockEndpoint implements HttpHandler {

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        if (!"POST".equals(exchange.getRequestMethod())) {
            Exchanges.json(exchange, 405, Map.of("error", "POST advanceSeconds=N"));
            return;
        }
        try {
            TestbedClock.advance(Duration.ofSeconds(Long.parseLong(Exchanges.params(exchange).getOrDefault("advanceSeconds", ""))));
        } catch (IllegalArgumentException | ArithmeticException e) {
            Exchanges.json(exchange, 400, Map.of("error", "advanceSeconds must be a whole number of seconds, 0 or more"));
            return;
        }
        Exchanges.json(exchange, 200, Map.of("now", TestbedClock.now()));
    }
}
