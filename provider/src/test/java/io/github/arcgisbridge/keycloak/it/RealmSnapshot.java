package io.github.arcgisbridge.keycloak.it;

import java.util.List;
import java.util.stream.Collectors;

import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.representations.idm.UserRepresentation;

/**
 * What a refused request must leave untouched: every user (its identity, state and profile) and every federated
 * identity link, read through the admin API.
 */
record RealmSnapshot(List<String> users) {

    static RealmSnapshot of(RealmResource realm) {
        List<String> users = realm.users().list(0, 1000).stream()
                .map(user -> describe(realm, user))
                .sorted()
                .collect(Collectors.toList());
        return new RealmSnapshot(users);
    }

    private static String describe(RealmResource realm, UserRepresentation user) {
        String links = realm.users().get(user.getId()).getFederatedIdentity().stream()
                .map(link -> link.getIdentityProvider() + ":" + link.getUserId() + ":" + link.getUserName())
                .sorted()
                .collect(Collectors.joining(","));
        return String.join("|", user.getId(), user.getUsername(), String.valueOf(user.isEnabled()),
                String.valueOf(user.getEmail()), String.valueOf(user.getFirstName()), String.valueOf(user.getLastName()),
                String.valueOf(user.getAttributes()), links);
    }
}
