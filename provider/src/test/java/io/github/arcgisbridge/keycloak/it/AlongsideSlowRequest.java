package io.github.arcgisbridge.keycloak.it;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * One request held up by a slow upstream, and other requests sent while it hangs: shows whether the slow call is
 * cut off by a timeout and whether it holds anything the others need (a worker thread, a lock).
 */
final class AlongsideSlowRequest {

    /** The held-up reply and when it came, the others' replies and when the last of them came (ms from the start). */
    record Outcome(TokenEndpoint.Reply slow, long slowMillis, List<TokenEndpoint.Reply> others, long othersMillis) {
    }

    private static final int OTHER_CLIENTS = 4;

    private AlongsideSlowRequest() {
    }

    static Outcome run(Supplier<TokenEndpoint.Reply> slow, Supplier<TokenEndpoint.Reply> other, int others) {
        ExecutorService pool = Executors.newFixedThreadPool(2 + OTHER_CLIENTS);
        long start = System.nanoTime();
        try {
            Future<TokenEndpoint.Reply> slowReply = pool.submit(slow::get);
            Future<Long> slowDone = pool.submit(() -> {
                slowReply.get();
                return elapsedMillis(start);
            });
            // Give the slow request time to reach the upstream before the others start.
            Thread.sleep(500);
            List<Future<TokenEndpoint.Reply>> otherReplies = new ArrayList<>();
            for (int i = 0; i < others; i++) {
                otherReplies.add(pool.submit(other::get));
            }
            List<TokenEndpoint.Reply> collected = new ArrayList<>();
            for (Future<TokenEndpoint.Reply> reply : otherReplies) {
                collected.add(reply.get());
            }
            long othersMillis = elapsedMillis(start);
            return new Outcome(slowReply.get(), slowDone.get(), collected, othersMillis);
        } catch (ExecutionException e) {
            throw new AssertionError(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } finally {
            pool.shutdownNow();
        }
    }

    private static long elapsedMillis(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
