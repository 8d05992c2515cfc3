package io.github.arcgisbridge.testbed.clock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;

import io.github.arcgisbridge.testbed.http.Exchanges;

/** The testbed clock moves forward on demand, in-process and over HTTP, and back to the wall clock on reset. */
class TestbedClockTest {

    @AfterEach
    void reset() {
        TestbedClock.reset();
    }

    @Test
    void advancesAndResets() {
        long wall = Instant.now().getEpochSecond();
        assertTrue(Math.abs(TestbedClock.now() - wall) <= 1);
        TestbedClock.advance(Duration.ofHours(2));
        assertTrue(Math.abs(TestbedClock.now() - (wall + 7200)) <= 1);
        assertThrows(IllegalArgumentException.class, () -> TestbedClock.advance(Duration.ofSeconds(-1)));
        TestbedClock.reset();
        assertTrue(Math.abs(TestbedClock.now() - wall) <= 1);
    }

    @Test
    void advancesOverHttp() throws Exception {
        HttpServer server = Exchanges.loopbackServer(0);
        server.createContext("/emulator/clock", new ClockEndpoint());
        server.start();
        try {
            HttpClient http = HttpClient.newHttpClient();
            URI clock = URI.create("http://localhost:" + server.getAddress().getPort() + "/emulator/clock");
            long before = TestbedClock.now();
            HttpResponse<String> moved = http.send(advance(clock, "3600"), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, moved.statusCode());
            JsonNode body = Exchanges.JSON.readTree(moved.body());
            assertTrue(Math.abs(body.path("now").asLong() - (before + 3600)) <= 1, moved.body());
            HttpResponse<String> refused = http.send(advance(clock, "-5"), HttpResponse.BodyHandlers.ofString());
            assertEquals(400, refused.statusCode());
        } finally {
            server.stop(0);
        }
    }

    private static HttpRequest advance(URI clock, String seconds) {
        return HttpRequest.newBuilder(clock).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("advanceSeconds=" + seconds)).build();
    }
}
