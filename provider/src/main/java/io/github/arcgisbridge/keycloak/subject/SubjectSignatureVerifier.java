package io.github.arcgisbridge.keycloak.subject;

import java.util.Map;

import org.jboss.logging.Logger;
import org.keycloak.crypto.Algorithm;
import org.keycloak.crypto.KeyType;
import org.keycloak.crypto.KeyWrapper;
import org.keycloak.crypto.SignatureProvider;
import org.keycloak.keys.loader.PublicKeyStorageManager;
import org.keycloak.models.KeycloakSession;

import io.github.arcgisbridge.keycloak.error.Rejection;
import io.github.arcgisbridge.keycloak.identityserver4.IdentityServer4Config;
import io.github.arcgisbridge.keycloak.metrics.BridgeMetrics;
import io.github.arcgisbridge.keycloak.metrics.BridgeMetrics.Outcome;

/**
 * Checks a JWS signature with the identity provider's keys, taken from Keycloak's public-key storage: the JWKS is
 * cached per provider, refetched when an unknown {@code kid} shows up (at most once per Keycloak's
 * {@code minTimeBetweenRequests}), and concurrent refetches are merged. Only asymmetric algorithms are accepted, and
 * the key's type must match the algorithm, so a public key can never serve as an HMAC secret (RFC 8725 §3.1-3.2).
 */
final class SubjectSignatureVerifier {

    private static final Logger LOG = Logger.getLogger(SubjectSignatureVerifier.class);

    private static final Map<String, String> KEY_TYPE_BY_ALGORITHM = Map.of(
            Algorithm.RS256, KeyType.RSA, Algorithm.RS384, KeyType.RSA, Algorithm.RS512, KeyType.RSA,
            Algorithm.PS256, KeyType.RSA, Algorithm.PS384, KeyType.RSA, Algorithm.PS512, KeyType.RSA,
            Algorithm.ES256, KeyType.EC, Algorithm.ES384, KeyType.EC, Algorithm.ES512, KeyType.EC);

    private SubjectSignatureVerifier() {
    }

    static void verify(KeycloakSession session, IdentityServer4Config config, ParsedJws jws) {
        String keyType = KEY_TYPE_BY_ALGORITHM.get(jws.algorithm());
        if (keyType == null) {
            throw Rejection.ALGORITHM_NOT_ALLOWED.exception();
        }
        if (jws.hasCriticalHeaders()) {
            throw Rejection.CRITICAL_HEADER_UNSUPPORTED.exception();
        }
        if (!hasKeySource(config)) {
            throw Rejection.KEYS_NOT_CONFIGURED.exception();
        }
        KeyWrapper key = lookUp(session, config, jws);
        if (key == null) {
            throw Rejection.SIGNING_KEY_UNKNOWN.exception();
        }
        if (!keyType.equals(key.getType()) || key.getAlgorithm() != null && !jws.algorithm().equals(key.getAlgorithm())) {
            throw Rejection.KEY_TYPE_MISMATCH.exception();
        }
        key.setAlgorithm(jws.algorithm());
        SignatureProvider signatures = session.getProvider(SignatureProvider.class, jws.algorithm());
        if (signatures == null) {
            throw Rejection.ALGORITHM_NOT_ALLOWED.exception();
        }
        if (!verifies(signatures, key, jws)) {
            throw Rejection.SIGNATURE_INVALID.exception();
        }
    }

    private static boolean hasKeySource(IdentityServer4Config config) {
        String source = config.isUseJwksUrl() ? config.getJwksUrl() : config.getPublicKeySignatureVerifier();
        return source != null && !source.isBlank();
    }

    private static KeyWrapper lookUp(KeycloakSession session, IdentityServer4Config config, ParsedJws jws) {
        long started = System.nanoTime();
        try {
            KeyWrapper key = PublicKeyStorageManager.getIdentityProviderKeyWrapper(session, session.getContext().getRealm(), config,
                    jws.keyId(), jws.algorithm());
            BridgeMetrics.signingKeyLookup(Outcome.OK, System.nanoTime() - started);
            return key;
        } catch (RuntimeException e) {
            BridgeMetrics.signingKeyLookup(Outcome.UNAVAILABLE, System.nanoTime() - started);
            LOG.warnf("Identity provider '%s': signing keys could not be loaded from '%s': %s", config.getAlias(),
                    config.getJwksUrl(), e.getMessage());
            throw Rejection.KEYS_UNAVAILABLE.exception();
        }
    }

    private static boolean verifies(SignatureProvider signatures, KeyWrapper key, ParsedJws jws) {
        try {
            return signatures.verifier(key).verify(jws.signingInput(), jws.signature());
        } catch (Exception e) {
            LOG.debugf("Identity provider signature check failed: %s", e.getMessage());
            return false;
        }
    }
}
