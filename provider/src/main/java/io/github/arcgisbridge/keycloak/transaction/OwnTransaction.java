package io.github.arcgisbridge.keycloak.transaction;

import java.util.function.BiFunction;

import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.utils.KeycloakModelUtils;

/**
 * Work in a new Keycloak session and transaction, committed when the work returns, for the current request's realm.
 * Used where the request's own transaction is the wrong one: writes that must be visible to other requests and nodes
 * before this request ends (a new user, a renewed ArcGIS grant), and reads that must not be answered from this
 * request's persistence context or a cache entry another node has not invalidated yet.
 */
public final class OwnTransaction {

    private OwnTransaction() {
    }

    public static <T> T run(KeycloakSession session, BiFunction<KeycloakSession, RealmModel, T> work) {
        String realmId = session.getContext().getRealm().getId();
        return KeycloakModelUtils.runJobInTransactionWithResult(session.getKeycloakSessionFactory(), fresh -> {
            RealmModel realm = fresh.realms().getRealm(realmId);
            fresh.getContext().setRealm(realm);
            return work.apply(fresh, realm);
        });
    }
}
