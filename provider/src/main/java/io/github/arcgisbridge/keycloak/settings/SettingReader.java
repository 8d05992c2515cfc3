package io.github.arcgisbridge.keycloak.settings;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;
import org.keycloak.models.Constants;

/**
 * Reads settings from a provider's stored config. Never throws: a missing value gives the setting's default, a
 * malformed one is logged once with the owner, the setting's key and the fallback used, and the fallback applies.
 */
public final class SettingReader {

    private static final Logger LOG = Logger.getLogger(SettingReader.class);
    private static final int MAX_REMEMBERED_WARNINGS = 1_000;
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

    private final Map<String, String> config;
    private final String owner;

    /** @param owner how log lines name the provider, e.g. {@code Identity provider 'identityserver4'} */
    public SettingReader(Map<String, String> config, String owner) {
        this.config = config == null ? Map.of() : config;
        this.owner = owner;
    }

    /** The trimmed value, else the default (which may be null). */
    public String text(Setting setting) {
        String raw = config.get(setting.key());
        return raw == null || raw.isBlank() ? setting.defaultValue() : raw.trim();
    }

    public boolean flag(Setting setting) {
        return Boolean.parseBoolean(text(setting));
    }

    public int positive(Setting setting) {
        return number(setting, 1);
    }

    public int nonNegative(Setting setting) {
        return number(setting, 0);
    }

    /** The values of a multivalued setting; empty when unset. */
    public Set<String> values(Setting setting) {
        String raw = config.get(setting.key());
        if (raw == null || raw.isBlank()) {
            return Collections.emptySet();
        }
        return new LinkedHashSet<>(Arrays.stream(raw.split(Constants.CFG_DELIMITER)).map(String::trim).filter(v -> !v.isEmpty()).toList());
    }

    /** A multivalued setting of {@code key=value} entries; malformed entries are logged and left out. */
    public Map<String, String> pairs(Setting setting) {
        Map<String, String> pairs = new LinkedHashMap<>();
        for (String entry : values(setting)) {
            int eq = entry.indexOf('=');
            if (eq <= 0 || eq == entry.length() - 1) {
                warn(setting, entry, "entry '" + entry + "' is not of the form key=value; ignoring it");
                continue;
            }
            pairs.put(entry.substring(0, eq).trim(), entry.substring(eq + 1).trim());
        }
        return pairs;
    }

    private int number(Setting setting, int minimum) {
        int fallback = Integer.parseInt(setting.defaultValue());
        String raw = config.get(setting.key());
        if (raw == null || raw.isBlank()) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(raw.trim());
            if (value >= minimum) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // logged below
        }
        warn(setting, raw, "value '" + raw + "' is not a whole number of at least " + minimum + "; using " + fallback);
        return fallback;
    }

    private void warn(Setting setting, String raw, String message) {
        if (WARNED.size() >= MAX_REMEMBERED_WARNINGS) {
            WARNED.clear();
        }
        if (WARNED.add(owner + "/" + setting.key() + "/" + raw)) {
            LOG.warnf("%s: setting '%s' (%s): %s", owner, setting.key(), setting.label(), message);
        }
    }
}
