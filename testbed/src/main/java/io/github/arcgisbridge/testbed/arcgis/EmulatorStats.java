package io.github.arcgisbridge.testbed.arcgis;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import com.sun.net.httpserver.HttpExchange;

import io.github.arcgisbridge.testbed.http.Exchanges;

/**
 * Not ArcGIS: the emulator's counters, served at {@code /emulator/stats} for tests, the cluster check and the
 * benchmark. The time spent handling each grant lets a benchmark subtract the emulator's own share of a latency.
 */
final class EmulatorStats {

    /** Handled requests of one grant type and the time they took. */
    private record Timing(LongAdder count, LongAdder nanos) {
        Map<String, Object> toJson() {
            return Map.of("count", count.sum(), "totalMillis", nanos.sum() / 1_000_000.0);
        }
    }

    static final List<String> GRANT_TYPES = List.of("authorization_code", "refresh_token", "exchange_refresh_token", "client_credentials");

    private final Map<String, AtomicInteger> grants = new ConcurrentHashMap<>();
    private final Map<String, Timing> timings = new ConcurrentHashMap<>();
    private final AtomicInteger revokeRequests = new AtomicInteger();
    private final AtomicInteger revocations = new AtomicInteger();
    private final AtomicInteger generateTokenRequests = new AtomicInteger();
    private final AtomicInteger tokensInUrl = new AtomicInteger();
    private final AtomicInteger featureQueries = new AtomicInteger();

    void grantRequested(String grantType) {
        grants.computeIfAbsent(grantType, g -> new AtomicInteger()).incrementAndGet();
    }

    void grantHandled(String grantType, long nanos) {
        Timing timing = timings.computeIfAbsent(grantType, g -> new Timing(new LongAdder(), new LongAdder()));
        timing.count().increment();
        timing.nanos().add(nanos);
    }

    int grants(String grantType) {
        AtomicInteger count = grants.get(grantType);
        return count == null ? 0 : count.get();
    }

    void revokeRequested() { revokeRequests.incrementAndGet(); }
    void revoked() { revocations.incrementAndGet(); }
    void generateTokenRequested() { generateTokenRequests.incrementAndGet(); }
    void tokenInUrl() { tokensInUrl.incrementAndGet(); }
    void featureQueried() { featureQueries.incrementAndGet(); }

    int revocations() { return revocations.get(); }
    int generateTokenRequests() { return generateTokenRequests.get(); }
    int tokensInUrl() { return tokensInUrl.get(); }
    int featureQueries() { return featureQueries.get(); }

    void handle(HttpExchange exchange) throws IOException {
        Map<String, Object> stats = new LinkedHashMap<>();
        Map<String, Object> millis = new LinkedHashMap<>();
        for (String grant : GRANT_TYPES) {
            stats.put(grant, grants(grant));
            millis.put(grant, timings.getOrDefault(grant, new Timing(new LongAdder(), new LongAdder())).toJson());
        }
        stats.put("featureQueries", featureQueries.get());
        stats.put("revokeToken", revokeRequests.get());
        stats.put("revocations", revocations.get());
        stats.put("generateToken", generateTokenRequests.get());
        stats.put("tokensInUrl", tokensInUrl.get());
        stats.put("tokenEndpointMillis", millis);
        Exchanges.json(exchange, 200, stats);
    }
}
