package io.github.arcgisbridge.testbed.arcgis;

/** An organisation member created by an OpenID Connect sign-in: ArcGIS keys it by the IdP's user identifier. */
public record Member(String id, String username, String idpUserId, String fullName, String email) { }
