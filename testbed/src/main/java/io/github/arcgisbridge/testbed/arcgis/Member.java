package io.github.arcgisbridge.testbed.arcgis;

/**
 * An ArcGIS account: a member created by the organisation's OpenID Connect login (keyed by the IdP's user identifier,
 * {@code idpUserId}), or a built-in ArcGIS account (no {@code idpUserId}), of this organisation or of another one.
 */
public record Member(String id, String username, String idpUserId, String fullName, String email, String orgId) {

    /** {@code community/self} {@code provider}: {@code enterprise} for an enterprise (IdP) login, {@code arcgis} for a built-in account. */
    public String provider() {
        return idpUserId == null ? "arcgis" : "enterprise";
    }
}
