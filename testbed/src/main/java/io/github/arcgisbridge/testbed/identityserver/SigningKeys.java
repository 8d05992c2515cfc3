package io.github.arcgisbridge.testbed.identityserver;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The issuer's RSA signing keys. IdentityServer4 has no automatic rotation: operators add the next key to the
 * published set before signing with it, and keep the old one published until its tokens expire. {@link #rotate()}
 * does the same in one step: a new current key, the previous one still published.
 */
public final class SigningKeys {

    /** A key with the id it is published under. */
    public record SigningKey(String kid, KeyPair keyPair) {
        public RSAPublicKey publicKey() {
            return (RSAPublicKey) keyPair.getPublic();
        }
    }

    private final List<SigningKey> published = new ArrayList<>();

    public SigningKeys() {
        rotate();
    }

    public synchronized SigningKey current() {
        return published.get(published.size() - 1);
    }

    /** Publishes a new key and signs with it from now on; the previous key stays published for validation. */
    public synchronized SigningKey rotate() {
        SigningKey next = new SigningKey(UUID.randomUUID().toString().replace("-", "").toUpperCase(), generate());
        published.add(next);
        while (published.size() > 2) {
            published.remove(0);
        }
        return next;
    }

    /** A fresh key that is never published: tokens signed with it must be refused. */
    public static SigningKey unpublished() {
        return new SigningKey(UUID.randomUUID().toString(), generate());
    }

    /** The JWKS document, shaped like IdentityServer4's (kty, use, kid, e, n, alg). */
    public synchronized Map<String, Object> jwks() {
        List<Map<String, Object>> keys = new ArrayList<>();
        for (SigningKey key : published) {
            Map<String, Object> jwk = new LinkedHashMap<>();
            jwk.put("kty", "RSA");
            jwk.put("use", "sig");
            jwk.put("kid", key.kid());
            jwk.put("e", unsigned(key.publicKey().getPublicExponent()));
            jwk.put("n", unsigned(key.publicKey().getModulus()));
            jwk.put("alg", "RS256");
            keys.add(jwk);
        }
        return Map.of("keys", keys);
    }

    private static String unsigned(BigInteger value) {
        byte[] bytes = value.toByteArray();
        if (bytes.length > 1 && bytes[0] == 0) {
            byte[] trimmed = new byte[bytes.length - 1];
            System.arraycopy(bytes, 1, trimmed, 0, trimmed.length);
            bytes = trimmed;
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static KeyPair generate() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            return generator.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("RSA is always available in the JDK", e);
        }
    }
}
