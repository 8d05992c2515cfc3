package io.github.arcgisbridge.keycloak.arcgis.vault;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.keycloak.crypto.KeyUse;
import org.keycloak.crypto.KeyWrapper;
import org.keycloak.jose.jwe.JWE;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.TokenCategory;
import org.keycloak.util.JsonSerialization;
import org.keycloak.util.TokenUtil;

/**
 * Encrypts a grant for storage in the federated identity link (Keycloak stores identity provider tokens in its
 * database as given; it offers no encryption of its own for them). The grant becomes a JWE (direct, AES-GCM) under
 * the realm's active AES key, the key Keycloak itself uses for its internal encrypted cookies; the key id travels in
 * the header, so grants stay readable after the key rotates as long as the old key is kept (passive).
 */
public final class ArcGisGrantCodec {

    private ArcGisGrantCodec() {
    }

    public static String encrypt(KeycloakSession session, RealmModel realm, ArcGisGrant grant) {
        try {
            KeyWrapper key = session.keys().getActiveKey(realm, KeyUse.ENC, session.tokens().cekManagementAlgorithm(TokenCategory.INTERNAL));
            return TokenUtil.jweDirectEncode(key.getKid(), key.getSecretKey(), null, JsonSerialization.writeValueAsBytes(grant));
        } catch (Exception e) {
            throw new IllegalStateException("ArcGIS grant could not be encrypted", e);
        }
    }

    /** The grant, or null when the stored value is missing, from another format, or its key is gone. */
    public static ArcGisGrant decrypt(KeycloakSession session, RealmModel realm, String stored) {
        if (stored == null || stored.isBlank()) {
            return null;
        }
        try {
            String kid = new JWE(stored).getHeader().getKeyId();
            KeyWrapper key = kid == null ? null
                    : session.keys().getKey(realm, kid, KeyUse.ENC, session.tokens().cekManagementAlgorithm(TokenCategory.INTERNAL));
            if (key == null) {
                return null;
            }
            byte[] json = TokenUtil.jweDirectVerifyAndDecode(key.getSecretKey(), null, stored);
            return JsonSerialization.readValue(new String(json, StandardCharsets.UTF_8), ArcGisGrant.class);
        } catch (IOException | RuntimeException | org.keycloak.jose.jwe.JWEException e) {
            return null;
        }
    }
}
