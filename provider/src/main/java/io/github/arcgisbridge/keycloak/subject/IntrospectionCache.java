package io.github.arcgisbridge.keycloak.subject;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Active introspection results of this node, keyed by a hash of the token (never the token itself), each kept until
 * the earlier of the token's expiry and the provider's cache limit. Bounded: when full and nothing has expired,
 * new results are simply not cached.
 */
public final class IntrospectionCache {

    private record Entry(JsonNode claims, long expiresAt) { }

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private final int maxEntries;

    public IntrospectionCache(int maxEntries) {
        this.maxEntries = maxEntries;
    }

    JsonNode get(String key, long now) {
        Entry entry = entries.get(key);
        if (entry == null) {
            return null;
        }
        if (entry.expiresAt() <= now) {
            entries.remove(key, entry);
            return null;
        }
        return entry.claims();
    }

    void put(String key, JsonNode claims, long expiresAt, long now) {
        if (expiresAt <= now) {
            return;
        }
        if (entries.size() >= maxEntries) {
            entries.values().removeIf(entry -> entry.expiresAt() <= now);
            if (entries.size() >= maxEntries) {
                return;
            }
        }
        entries.put(key, new Entry(claims.deepCopy(), expiresAt));
    }
}
