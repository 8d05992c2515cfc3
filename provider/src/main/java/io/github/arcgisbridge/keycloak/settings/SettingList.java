package io.github.arcgisbridge.keycloak.settings;

import java.util.ArrayList;
import java.util.List;

import org.keycloak.provider.ProviderConfigProperty;

/**
 * The settings of one provider type, in the order the admin console shows them. A config class creates one list and
 * declares each {@link Setting} through it, next to that setting's getter.
 */
public final class SettingList {

    private final List<Setting> settings = new ArrayList<>();

    public Setting text(String key, String label, String helpText, String defaultValue) {
        return add(new Setting(key, label, helpText, ProviderConfigProperty.STRING_TYPE, defaultValue, false));
    }

    public Setting number(String key, String label, String helpText, int defaultValue) {
        return text(key, label, helpText, String.valueOf(defaultValue));
    }

    public Setting flag(String key, String label, String helpText, boolean defaultValue) {
        return add(new Setting(key, label, helpText, ProviderConfigProperty.BOOLEAN_TYPE, String.valueOf(defaultValue), false));
    }

    /** Several values; the admin console stores them joined by {@code ##}. */
    public Setting multivalued(String key, String label, String helpText) {
        return add(new Setting(key, label, helpText, ProviderConfigProperty.MULTIVALUED_STRING_TYPE, null, false));
    }

    /** A secret: masked in the admin console; the value may be a vault reference such as {@code ${vault.key}}. */
    public Setting secret(String key, String label, String helpText) {
        return add(new Setting(key, label, helpText, ProviderConfigProperty.PASSWORD, null, true));
    }

    public List<Setting> all() {
        return List.copyOf(settings);
    }

    public List<ProviderConfigProperty> properties() {
        return settings.stream().map(Setting::toProperty).toList();
    }

    private Setting add(Setting setting) {
        if (settings.stream().anyMatch(existing -> existing.key().equals(setting.key()))) {
            throw new IllegalStateException("setting '" + setting.key() + "' declared twice");
        }
        settings.add(setting);
        return setting;
    }
}
