package io.github.arcgisbridge.keycloak.it;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
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
        long start = System.nanoTime();
        CompletableFuture<TokenEndpoint.Reply> slowReply = CompletableFuture.supplyAsync(slow);
        CompletableFuture<Long> slowDone = slowReply.thenApply(reply -> elapsedMillis(start));
        try {
            // Give the slow request time to reach the upstream before the others start.
            Thread.sleep(500);
            List<TokenEndpoint.Reply> otherReplies = Concurrently.send(OTHER_CLIENTS, others, other);
            long othersMillis = elapsedMillis(start);
            return new Outcome(slowReply.get(), slowDone.get(), otherReplies, othersMillis);
        } catch (ExecutionException e) {
            throw new AssertionError(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static long elapsedMillis(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
