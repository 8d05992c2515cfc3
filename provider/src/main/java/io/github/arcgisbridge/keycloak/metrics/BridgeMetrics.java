package io.github.arcgisbridge.keycloak.metrics;

import java.time.Duration;
import java.util.Locale;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;

/**
 * The extension's meters, on Micrometer's global registry, where Keycloak's own live: with {@code --metrics-enabled}
 * they appear on the management port's {@code /metrics} next to Keycloak's, named {@code keycloak_arcgis_bridge_…}.
 * Tags hold only fixed vocabularies (outcome, reason, target, upstream, result) and the realm name: never a user, a
 * client secret or a token. Without metrics enabled, Keycloak registers no backend and every meter is a no-op.
 */
public final class BridgeMetrics {

    /** What an exchange asked for. */
    public enum Target { KEYCLOAK_TOKEN, ARCGIS_TOKEN }

    /** How a call to an upstream ended. */
    public enum Outcome { OK, REFUSED, UNAVAILABLE }

    /** Calls to an upstream that the extension makes itself. */
    public enum Upstream { INTROSPECTION, USERINFO, ARCGIS_TOKEN, ARCGIS_REVOKE_TOKEN, ARCGIS_COMMUNITY_SELF, ARCGIS_PORTALS_SELF }

    /** What the vault did for one exchange to the user's ArcGIS token. */
    public enum VaultResult { CACHED, REFRESHED, RENEWED, SHARED, BUSY, FAILED }

    /** A revocation at ArcGIS: revoked, or the attempt failed and another follows, or given up. */
    public enum RevocationResult { REVOKED, RETRIED, FAILED }

    /** A user created by a first exchange, or the user a concurrent first exchange created, reused. */
    public enum RegistrationResult { CREATED, REUSED }

    private static final String PREFIX = "keycloak.arcgis.bridge.";
    private static final Duration[] LATENCY_SLOS = {Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
            Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofSeconds(5)};

    private BridgeMetrics() {
    }

    /**
     * Registers every counter and upstream timer with each of its values at zero, at server start. Prometheus only
     * sees an increase from a first sample: a counter created by its first event would hide that event from
     * {@code rate()} and {@code increase()}, so the first failed revocation on a node would raise no alert. (The
     * exchange timers carry the realm, which is not known at start; they appear with the first exchange.)
     */
    public static void registerAtZero() {
        for (VaultResult result : VaultResult.values()) {
            vaultCounter(result);
        }
        for (RevocationResult result : RevocationResult.values()) {
            revocationCounter(result);
        }
        for (RegistrationResult result : RegistrationResult.values()) {
            registrationCounter(result);
        }
        introspectionCacheCounter(true);
        introspectionCacheCounter(false);
        for (Upstream upstream : Upstream.values()) {
            for (Outcome outcome : Outcome.values()) {
                upstreamTimer(upstream, outcome);
            }
        }
        for (Outcome outcome : Outcome.values()) {
            signingKeyLookupTimer(outcome);
        }
    }

    /** One exchange, by realm, target, outcome and the refusal's reason ({@code none} on success). */
    public static void exchange(String realm, Target target, String outcome, String reason, long nanos) {
        Timer.builder(PREFIX + "exchanges")
                .description("Token exchanges of IdentityServer4 tokens handled by the ArcGIS bridge")
                .tags("realm", realm, "target", tag(target), "outcome", outcome, "reason", reason)
                .serviceLevelObjectives(LATENCY_SLOS)
                .register(registry())
                .record(Duration.ofNanos(nanos));
    }

    /** One call to IdentityServer4 or ArcGIS, with its latency. */
    public static void upstream(Upstream upstream, Outcome outcome, long nanos) {
        upstreamTimer(upstream, outcome).record(Duration.ofNanos(nanos));
    }

    /**
     * One look-up of a subject token's signing key in Keycloak's public-key storage: answered from its cache in
     * microseconds, or by fetching the JWKS (the slow tail of this timer).
     */
    public static void signingKeyLookup(Outcome outcome, long nanos) {
        signingKeyLookupTimer(outcome).record(Duration.ofNanos(nanos));
    }

    public static void vault(VaultResult result) {
        vaultCounter(result).increment();
    }

    public static void introspectionCache(boolean hit) {
        introspectionCacheCounter(hit).increment();
    }

    public static void revocation(RevocationResult result) {
        revocationCounter(result).increment();
    }

    public static void registration(RegistrationResult result) {
        registrationCounter(result).increment();
    }

    private static Timer upstreamTimer(Upstream upstream, Outcome outcome) {
        return Timer.builder(PREFIX + "upstream.requests")
                .description("Calls of the ArcGIS bridge to IdentityServer4 and ArcGIS")
                .tags("upstream", tag(upstream), "outcome", tag(outcome))
                .serviceLevelObjectives(LATENCY_SLOS)
                .register(registry());
    }

    private static Timer signingKeyLookupTimer(Outcome outcome) {
        return Timer.builder(PREFIX + "signing.key.lookups")
                .description("Signing key look-ups for subject tokens (Keycloak's cache, or a JWKS fetch)")
                .tags("outcome", tag(outcome))
                .serviceLevelObjectives(LATENCY_SLOS)
                .register(registry());
    }

    private static Counter vaultCounter(VaultResult result) {
        return counter("vault", "Exchanges to the user's ArcGIS token, by what the vault did", tag(result));
    }

    private static Counter introspectionCacheCounter(boolean hit) {
        return counter("introspection.cache", "Reference-token introspection results served from the cache or fetched", hit ? "hit" : "miss");
    }

    private static Counter revocationCounter(RevocationResult result) {
        return counter("revocations", "Revocations of ArcGIS authorizations Keycloak forgot", tag(result));
    }

    private static Counter registrationCounter(RegistrationResult result) {
        return counter("registrations", "Users created by a first exchange, or reused after losing the race to create them", tag(result));
    }

    private static Counter counter(String name, String description, String result) {
        return Counter.builder(PREFIX + name).description(description).tags("result", result).register(registry());
    }

    private static MeterRegistry registry() {
        return Metrics.globalRegistry;
    }

    private static String tag(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }
}
