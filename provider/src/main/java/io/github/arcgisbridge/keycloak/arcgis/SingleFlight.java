package io.github.arcgisbridge.keycloak.arcgis;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import io.github.arcgisbridge.keycloak.error.RejectedException;
import io.github.arcgisbridge.keycloak.error.Rejection;

/**
 * Concurrent requests for the same key share one run of the work on this node: the first runs it, the others wait a
 * bounded time for its result or its refusal, so ArcGIS sees one call however many requests need it.
 */
public final class SingleFlight<T> {

    private final Map<String, CompletableFuture<T>> running = new ConcurrentHashMap<>();
    private final int waitSeconds;
    private final Runnable onShared;

    public SingleFlight(int waitSeconds) {
        this(waitSeconds, () -> { });
    }

    /** @param onShared told each time a request is served with another request's result instead of running the work */
    public SingleFlight(int waitSeconds, Runnable onShared) {
        this.waitSeconds = waitSeconds;
        this.onShared = onShared;
    }

    public T run(String key, Supplier<T> work) {
        CompletableFuture<T> mine = new CompletableFuture<>();
        CompletableFuture<T> theirs = running.putIfAbsent(key, mine);
        if (theirs != null) {
            T shared = await(theirs);
            onShared.run();
            return shared;
        }
        try {
            T result = work.get();
            mine.complete(result);
            return result;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            running.remove(key, mine);
        }
    }

    private T await(CompletableFuture<T> theirs) {
        try {
            return theirs.get(waitSeconds, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RejectedException rejected ? rejected.rejection().exception() : Rejection.ARCGIS_UNAVAILABLE.exception();
        } catch (TimeoutException e) {
            throw Rejection.ARCGIS_UNAVAILABLE.exception();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Rejection.ARCGIS_UNAVAILABLE.exception();
        }
    }
}
