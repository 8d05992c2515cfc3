package io.github.arcgisbridge.keycloak.it;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/** The same request sent many times by several clients at once, as a busy app backend would. */
final class Concurrently {

    private Concurrently() {
    }

    /** Sends {@code requests} requests from {@code clients} parallel clients; the replies in submission order. */
    static List<TokenEndpoint.Reply> send(int clients, int requests, Supplier<TokenEndpoint.Reply> request) {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            List<Future<TokenEndpoint.Reply>> futures = new ArrayList<>();
            for (int i = 0; i < requests; i++) {
                futures.add(pool.submit(request::get));
            }
            List<TokenEndpoint.Reply> replies = new ArrayList<>();
            for (Future<TokenEndpoint.Reply> future : futures) {
                replies.add(future.get());
            }
            return replies;
        } catch (ExecutionException e) {
            throw new AssertionError(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } finally {
            pool.shutdownNow();
        }
    }
}
