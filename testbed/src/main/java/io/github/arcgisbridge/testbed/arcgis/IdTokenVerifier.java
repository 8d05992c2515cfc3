package io.github.arcgisbridge.testbed.arcgis;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.RSAPublicKeySpec;
import java.time.Instant;
import java.util.Base64;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What ArcGIS checks on the ID token it fetched over the back channel: RS256 signature with a key from the
 * configured JWKS URL (all IdPs Esri documents sign with RS256), {@code iss} exactly the configured issuer,
 * {@code aud} containing its client id, {@code exp} in the future, {@code nonce} equal to the one it sent.
 */
final class IdTokenVerifier {

    private IdTokenVerifier() {
    }

    /** The ID token's claims; throws {@link SignInException} naming the failed check. */
    static JsonNode verify(String idToken, OidcLoginSettings settings, String expectedNonce) {
        String[] parts = idToken == null ? new String[0] : idToken.split("\\.");
        if (parts.length != 3) {
            throw new SignInException("Did not receive required parameter from the provider (id_token)");
        }
        JsonNode header = decode(parts[0]);
        JsonNode claims = decode(parts[1]);
        if (!"RS256".equals(header.path("alg").asText())) {
            throw new SignInException("Unsupported ID token signature algorithm");
        }
        if (!signatureValid(parts, key(settings.jwksUrl(), header.path("kid").asText(null)))) {
            throw new SignInException("ID token signature is invalid");
        }
        if (!settings.issuer().equals(claims.path("iss").asText())) {
            throw new SignInException("ID token issuer does not match");
        }
        JsonNode aud = claims.path("aud");
        boolean audienceOk = aud.isArray() ? containsText(aud, settings.clientId()) : settings.clientId().equals(aud.asText());
        if (!audienceOk) {
            throw new SignInException("ID token audience does not match");
        }
        // The wall clock, not the testbed clock: the IdP (Keycloak, in a separate process) stamps exp by the wall clock,
        // and a test that advances the testbed clock to expire ArcGIS tokens must still be able to sign in again.
        if (claims.path("exp").asLong(0) <= Instant.now().getEpochSecond()) {
            throw new SignInException("ID token has expired");
        }
        if (!expectedNonce.equals(claims.path("nonce").asText(null))) {
            throw new SignInException("ID token nonce does not match");
        }
        return claims;
    }

    private static PublicKey key(String jwksUrl, String kid) {
        for (JsonNode jwk : ProviderDiscovery.getJson(jwksUrl).path("keys")) {
            if ("RSA".equals(jwk.path("kty").asText()) && (kid == null || kid.equals(jwk.path("kid").asText()))
                    && !"enc".equals(jwk.path("use").asText())) {
                try {
                    return KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(
                            new BigInteger(1, Base64.getUrlDecoder().decode(jwk.path("n").asText())),
                            new BigInteger(1, Base64.getUrlDecoder().decode(jwk.path("e").asText()))));
                } catch (GeneralSecurityException e) {
                    throw new SignInException("Unreadable key in the provider's JWKS");
                }
            }
        }
        throw new SignInException("No key in the provider's JWKS matches the ID token");
    }

    private static boolean signatureValid(String[] parts, PublicKey key) {
        try {
            Signature signature = Signature.getInstance("SHA256withRSA");
            signature.initVerify(key);
            signature.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            return signature.verify(Base64.getUrlDecoder().decode(parts[2]));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    private static JsonNode decode(String part) {
        try {
            return ProviderDiscovery.JSON.readTree(Base64.getUrlDecoder().decode(part));
        } catch (java.io.IOException | IllegalArgumentException e) {
            throw new SignInException("Malformed ID token");
        }
    }

    private static boolean containsText(JsonNode array, String value) {
        for (JsonNode element : array) {
            if (value.equals(element.asText())) {
                return true;
            }
        }
        return false;
    }
}
