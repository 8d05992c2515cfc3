package io.github.arcgisbridge.keycloak.arcgis.vault;

import java.nio.charset.StandardCharsets;

/**
 * What a stored grant belongs to: the realm, the Keycloak user, the ArcGIS identity provider and the ArcGIS member.
 * It is the associated data of the grant's encryption, so a grant copied onto another user's or realm's link, or
 * left on a link that now names another member, does not decrypt.
 */
public record GrantBinding(String realmId, String userId, String alias, String memberId) {

    byte[] associatedData() {
        return String.join("\n", "arcgis-grant/v1", realmId, userId, alias, memberId).getBytes(StandardCharsets.UTF_8);
    }
}
