package io.github.arcgisbridge.testbed.arcgis;

import java.util.Locale;

/**
 * An ArcGIS organisation: its id, the {@code urlKey} of its Online URL ({@code <urlKey>.maps.arcgis.com}; none on
 * Enterprise), its name and {@code maxTokenExpirationMinutes}, the token lifetime limit its administrator sets
 * ({@code -1}, the default, for none).
 */
final class Organization {

    private final String id;
    private final String urlKey;
    private final String name;
    private volatile int maxTokenExpirationMinutes = -1;

    Organization(String id, String urlKey, String name) {
        this.id = id;
        this.urlKey = urlKey;
        this.name = name;
    }

    /**
     * An organisation this portal does not host, known only by the id of an account that belongs to it: the emulator
     * makes up a urlKey and name for it.
     */
    static Organization elsewhere(String id) {
        return new Organization(id, id.toLowerCase(Locale.ROOT), "Organization " + id);
    }

    String id() { return id; }
    String urlKey() { return urlKey; }
    String name() { return name; }
    int maxTokenExpirationMinutes() { return maxTokenExpirationMinutes; }

    void maxTokenExpirationMinutes(int minutes) {
        if (minutes != -1 && minutes < 1) {
            throw new IllegalArgumentException("maxTokenExpirationMinutes is -1 (no limit) or a positive number of minutes: " + minutes);
        }
        this.maxTokenExpirationMinutes = minutes;
    }
}
