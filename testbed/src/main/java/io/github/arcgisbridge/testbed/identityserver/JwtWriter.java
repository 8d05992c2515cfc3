package io.github.arcgisbridge.testbed.identityserver;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.util.Base64;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Compact JWS serialisation. Besides honest RS256 it can produce the forgeries a verifier must refuse
 * ({@code alg=none}, HS256 keyed with the issuer's public key), so tests can prove they are refused.
 */
public final class JwtWriter {

    static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private JwtWriter() {
    }

    public static String rs256(Map<String, Object> header, Map<String, Object> claims, PrivateKey key) {
        return rs256(header, toJson(claims), key);
    }

    /** Signs the payload exactly as given, even when it is not one JSON object (for parser-differential tests). */
    public static String rs256(Map<String, Object> header, String payload, PrivateKey key) {
        String input = base64Url(toJson(header)) + "." + base64Url(payload);
        try {
            Signature signature = Signature.getInstance("SHA256withRSA");
            signature.initSign(key);
            signature.update(input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + B64.encodeToString(signature.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("RS256 signing failed", e);
        }
    }

    public static String hs256(Map<String, Object> header, Map<String, Object> claims, byte[] secret) {
        String input = signingInput(header, claims);
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            return input + "." + B64.encodeToString(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HS256 signing failed", e);
        }
    }

    public static String unsigned(Map<String, Object> header, Map<String, Object> claims) {
        return signingInput(header, claims) + ".";
    }

    public static String base64Url(String json) {
        return B64.encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String signingInput(Map<String, Object> header, Map<String, Object> claims) {
        return base64Url(toJson(header)) + "." + base64Url(toJson(claims));
    }

    private static String toJson(Map<String, Object> value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("claims are not serialisable", e);
        }
    }
}
