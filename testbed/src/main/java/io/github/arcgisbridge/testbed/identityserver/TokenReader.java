package io.github.arcgisbridge.testbed.identityserver;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.util.Base64;
import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;

/** Reads back tokens this issuer signed, for its own userinfo endpoint. Not a general-purpose verifier. */
final class TokenReader {

    private TokenReader() {
    }

    /** The claims of an RS256 token signed by the current key, or null. */
    static Map<String, Object> verifiedClaims(String token, SigningKeys keys) {
        String[] parts = token.split("\\.");
        if (parts.length != 3) {
            return null;
        }
        try {
            Signature signature = Signature.getInstance("SHA256withRSA");
            signature.initVerify(keys.current().publicKey());
            signature.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            if (!signature.verify(Base64.getUrlDecoder().decode(parts[2]))) {
                return null;
            }
            return JwtWriter.JSON.readValue(Base64.getUrlDecoder().decode(parts[1]), new TypeReference<Map<String, Object>>() { });
        } catch (GeneralSecurityException | IllegalArgumentException | java.io.IOException e) {
            return null;
        }
    }
}
