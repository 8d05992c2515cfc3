package io.github.arcgisbridge.keycloak.fingerprint;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/** A stable, non-reversible key for a secret (a token, a stored grant): SHA-256, base64url. Caches and comparisons use it so that no secret is kept or logged as a key. */
public final class Fingerprint {

    private Fingerprint() {
    }

    /** The fingerprint of the text; the empty string for null. */
    public static String of(String secret) {
        if (secret == null) {
            return "";
        }
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(
                    MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
