package io.github.arcgisbridge.keycloak.it;

import java.util.Map;

import org.keycloak.representations.idm.IdentityProviderRepresentation;
import org.keycloak.testframework.realm.ManagedRealm;

/** Runs a check with some settings of an identity provider changed through the admin API, then restores them. */
final class ProviderSettings {

    private ProviderSettings() {
    }

    static void with(ManagedRealm realm, String alias, Map<String, String> settings, Runnable check) {
        IdentityProviderRepresentation previous = realm.admin().identityProviders().get(alias).toRepresentation();
        realm.updateIdentityProvider(alias, idp -> idp.getConfig().putAll(settings));
        try {
            check.run();
        } finally {
            realm.admin().identityProviders().get(alias).update(previous);
        }
    }
}
