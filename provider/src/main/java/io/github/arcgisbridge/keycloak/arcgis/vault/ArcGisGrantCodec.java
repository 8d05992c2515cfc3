package io.github.arcgisbridge.keycloak.arcgis.vault;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;

import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;

import org.keycloak.TokenCategory;
import org.keycloak.crypto.KeyUse;
import org.keycloak.crypto.KeyWrapper;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.util.JsonSerialization;

/**
 * Encrypts a grant for storage on the federated identity link: Keycloak stores identity provider tokens in its
 * database as given and offers no encryption of its own for them. AES-GCM under the realm's active AES key (the key
 * Keycloak uses for its own internal encrypted data), with the {@link GrantBinding} as associated data. Stored as
 * {@code v1.<key id>.<iv>.<ciphertext and tag>} (base64url), so grants stay readable after the key rotates as long
 * as the old key is kept (passive).
 */
public final class ArcGisGrantCodec {

    private static final String FORMAT = "v1";
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

    private ArcGisGrantCodec() {
    }

    public static String encrypt(KeycloakSession session, RealmModel realm, GrantBinding binding, ArcGisGrant grant) {
        try {
            KeyWrapper key = session.keys().getActiveKey(realm, KeyUse.ENC, algorithm(session));
            return FORMAT + "." + ENCODER.encodeToString(key.getKid().getBytes(StandardCharsets.UTF_8)) + "."
                    + seal(key.getSecretKey(), binding, JsonSerialization.writeValueAsBytes(grant));
        } catch (Exception e) {
            throw new IllegalStateException("ArcGIS grant could not be encrypted", e);
        }
    }

    /** The grant, or null when the stored value is missing, of another format, bound to something else, or its key is gone. */
    public static ArcGisGrant decrypt(KeycloakSession session, RealmModel realm, GrantBinding binding, String stored) {
        if (stored == null) {
            return null;
        }
        String[] parts = stored.split("\\.", 3);
        if (parts.length != 3 || !FORMAT.equals(parts[0])) {
            return null;
        }
        try {
            String kid = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
            KeyWrapper key = session.keys().getKey(realm, kid, KeyUse.ENC, algorithm(session));
            byte[] json = key == null ? null : open(key.getSecretKey(), binding, parts[2]);
            return json == null ? null : JsonSerialization.readValue(json, ArcGisGrant.class);
        } catch (Exception e) {
            return null;
        }
    }

    /** AES-GCM with a fresh random IV and the binding as associated data: {@code <iv>.<ciphertext and tag>}. */
    static String seal(SecretKey key, GrantBinding binding, byte[] plaintext) throws GeneralSecurityException {
        byte[] iv = new byte[IV_BYTES];
        RANDOM.nextBytes(iv);
        return ENCODER.encodeToString(iv) + "." + ENCODER.encodeToString(cipher(Cipher.ENCRYPT_MODE, key, iv, binding).doFinal(plaintext));
    }

    /** The plaintext, or null when the sealed value is malformed, tampered with, or sealed for another binding or key. */
    static byte[] open(SecretKey key, GrantBinding binding, String sealed) {
        String[] parts = sealed.split("\\.", -1);
        if (parts.length != 2) {
            return null;
        }
        try {
            Base64.Decoder decoder = Base64.getUrlDecoder();
            return cipher(Cipher.DECRYPT_MODE, key, decoder.decode(parts[0]), binding).doFinal(decoder.decode(parts[1]));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return null;
        }
    }

    private static Cipher cipher(int mode, SecretKey key, byte[] iv, GrantBinding binding) throws GeneralSecurityException {
        Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
        cipher.init(mode, key, new GCMParameterSpec(TAG_BITS, iv));
        cipher.updateAAD(binding.associatedData());
        return cipher;
    }

    private static String algorithm(KeycloakSession session) {
        return session.tokens().cekManagementAlgorithm(TokenCategory.INTERNAL);
    }
}
