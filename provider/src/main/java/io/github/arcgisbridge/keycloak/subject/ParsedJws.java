package io.github.arcgisbridge.keycloak.subject;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.github.arcgisbridge.keycloak.error.Rejection;

/**
 * A compact JWS split into its parts, nothing verified yet. Parsing is strict: three base64url parts in their one
 * canonical encoding (no padding, no stray bits), a JSON object header with a string {@code alg}, a JSON object
 * payload; anything else is malformed. Header parameters that name keys ({@code jku}, {@code x5u}, {@code jwk},
 * {@code x5c}) are never read: keys come only from the identity provider's configuration.
 */
public record ParsedJws(String algorithm, String keyId, String type, boolean hasCriticalHeaders, JsonNode claims,
                        byte[] signingInput, byte[] signature) {

    // Duplicate member names and data after the JSON object are refused: two parsers must never read two different
    // tokens from the same bytes ({"sub":"a"}{"sub":"b"} is one token to a lenient parser, another to a streaming one).
    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final Base64.Encoder CANONICAL = Base64.getUrlEncoder().withoutPadding();

    /** Whether the token has the shape of a compact JWS at all (reference tokens do not). */
    public static boolean looksLikeJws(String token) {
        return token.chars().filter(c -> c == '.').count() == 2;
    }

    public static ParsedJws parse(String token) {
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
            throw Rejection.SUBJECT_TOKEN_MALFORMED.exception();
        }
        JsonNode header = jsonObject(parts[0]);
        JsonNode claims = jsonObject(parts[1]);
        JsonNode alg = header.get("alg");
        if (alg == null || !alg.isTextual()) {
            throw Rejection.SUBJECT_TOKEN_MALFORMED.exception();
        }
        return new ParsedJws(alg.asText(), text(header, "kid"), text(header, "typ"), header.has("crit"), claims,
                (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII), decode(parts[2]));
    }

    /** The unverified {@code iss}, only to route a request to an identity provider; null when there is none. */
    public static String unverifiedIssuer(String token) {
        try {
            return text(parse(token).claims(), "iss");
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static JsonNode jsonObject(String part) {
        try {
            JsonNode node = JSON.readTree(decode(part));
            if (node == null || !node.isObject()) {
                throw Rejection.SUBJECT_TOKEN_MALFORMED.exception();
            }
            return node;
        } catch (IOException e) {
            throw Rejection.SUBJECT_TOKEN_MALFORMED.exception();
        }
    }

    /**
     * Decodes one part, refusing every encoding but the canonical one (RFC 7515 §2): otherwise one token would have
     * many spellings (padding, different unused low bits in the last character), each passing the signature check,
     * and anything keyed by the token's text (the introspection cache, a deny list) could be sidestepped.
     */
    private static byte[] decode(String part) {
        byte[] bytes;
        try {
            bytes = Base64.getUrlDecoder().decode(part);
        } catch (IllegalArgumentException e) {
            throw Rejection.SUBJECT_TOKEN_MALFORMED.exception();
        }
        if (!CANONICAL.encodeToString(bytes).equals(part)) {
            throw Rejection.SUBJECT_TOKEN_MALFORMED.exception();
        }
        return bytes;
    }

    private static String text(JsonNode node, String name) {
        JsonNode value = node.get(name);
        return value != null && value.isTextual() ? value.asText() : null;
    }
}
