package io.github.arcgisbridge.testbed.clock;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The testbed's time, one for the whole JVM: the wall clock plus an offset that tests move forward. Every expiry the
 * emulated upstreams decide on reads this clock, so a test can let a 30-minute ArcGIS token or a two-week refresh
 * token run out in no time, and every upstream in the JVM sees the same jump.
 */
public final class TestbedClock {

    private static final AtomicLong OFFSET_MILLIS = new AtomicLong();

    private TestbedClock() {
    }

    /** Now, in epoch seconds. */
    public static long now() {
        return Math.floorDiv(System.currentTimeMillis() + OFFSET_MILLIS.get(), 1000);
    }

    /** Moves the clock forward; time never runs backwards, since no upstream expects its tokens to become younger. */
    public static void advance(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("the testbed clock only moves forward: " + duration);
        }
        OFFSET_MILLIS.addAndGet(duration.toMillis());
    }

    /** Back to the wall clock. */
    public static void reset() {
        OFFSET_MILLIS.set(0);
    }
}
