package io.github.arcgisbridge.keycloak.fuzz;

import org.quicktheories.QuickTheory;

/**
 * How every property-based test here runs: a number of cases (scaled by {@code -Dfuzz.factor=N} for a longer run)
 * and a random seed that is printed, so a failure can be replayed with {@code -Dfuzz.seed=...}.
 */
public final class FuzzRuns {

    private FuzzRuns() {
    }

    public static QuickTheory qt(String name, int cases) {
        long seed = Long.getLong("fuzz.seed", System.nanoTime());
        int scaled = cases * Integer.getInteger("fuzz.factor", 1);
        System.out.printf("[property] %s: %d cases, seed %d (replay with -Dfuzz.seed=%d)%n", name, scaled, seed, seed);
        return QuickTheory.qt().withFixedSeed(seed).withExamples(scaled).withShrinkCycles(200);
    }
}
