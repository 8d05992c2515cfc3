package io.github.arcgisbridge.keycloak.settings;

import org.keycloak.provider.ProviderConfigProperty;

/**
 * One setting an administrator edits in the admin console: its config key, label, help text, form type and default.
 * Each is declared once, beside the getter that reads it; the admin-console form is built from these declarations.
 */
public record Setting(String key, String label, String helpText, String type, String defaultValue, boolean secret) {

    ProviderConfigProperty toProperty() {
        return new ProviderConfigProperty(key, label, helpText, type, defaultValue, secret);
    }
}
