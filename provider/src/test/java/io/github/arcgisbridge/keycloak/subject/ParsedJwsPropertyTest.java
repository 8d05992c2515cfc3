package io.github.arcgisbridge.keycloak.subject;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.generators.SourceDSL.strings;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Signature;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.quicktheories.api.Pair;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

import io.github.arcgisbridge.keycloak.error.RejectedException;
import io.github.arcgisbridge.keycloak.fuzz.FuzzRuns;
import io.github.arcgisbridge.testbed.identityserver.JwtWriter;
import io.github.arcgisbridge.testbed.identityserver.SigningKeys;
import io.github.arcgisbridge.keycloak.error.Rejection;

/**
 * Fuzzes the JWS parser: arbitrary text and dotted structures must parse or be refused as malformed (never another
 * exception), and no mutation of a signed token may change what the parser reports (header or claims) while the
 * signature still verifies over the bytes the parser hands to the verifier.
 */
class ParsedJwsPropertyTest {

    static final int CASES = 20_000;

    private static final KeyPair KEY = SigningKeys.unpublished().keyPair();
    private static final String PAYLOAD = "{\"iss\":\"https://login.example.com\",\"sub\":\"818727\",\"client_id\":\"map-spa\","
            + "\"exp\":1800003600,\"scope\":[\"openid\",\"arcgis.read\"]}";
    private static final String SIGNED = JwtWriter.rs256(Map.<String, Object>of("alg", "RS256", "kid", "K1", "typ", "at+jwt"),
            Map.<String, Object>of("iss", "https://login.example.com", "sub", "818727", "exp", 1_800_003_600L), KEY.getPrivate());

    @Test
    void anyTextParsesOrIsRefusedAsMalformed() {
        AtomicInteger parsed = new AtomicInteger();
        AtomicInteger cases = new AtomicInteger();
        FuzzRuns.qt("ParsedJws on arbitrary text", CASES).forAll(tokenLikeText()).checkAssert(text -> {
            cases.incrementAndGet();
            try {
                ParsedJws jws = ParsedJws.parse(text);
                parsed.incrementAndGet();
                assertTrue(jws.claims().isObject());
                assertTrue(jws.algorithm() != null);
            } catch (RejectedException refused) {
                assertEquals(Rejection.SUBJECT_TOKEN_MALFORMED, refused.rejection());
            }
        });
        System.out.printf("[property] ParsedJws on arbitrary text: %d inputs, %d parsed, %d refused as malformed%n",
                cases.get(), parsed.get(), cases.get() - parsed.get());
    }

    @Test
    void noMutationChangesWhatIsReadWhileTheSignatureStillVerifies() {
        ParsedJws original = ParsedJws.parse(SIGNED);
        assertTrue(verifies(original), "the unmutated token verifies");
        AtomicInteger cases = new AtomicInteger();
        AtomicInteger parsed = new AtomicInteger();
        AtomicInteger verified = new AtomicInteger();
        FuzzRuns.qt("ParsedJws on mutated signed tokens", CASES).forAll(mutants()).checkAssert(mutant -> {
            cases.incrementAndGet();
            ParsedJws jws;
            try {
                jws = ParsedJws.parse(mutant);
            } catch (RejectedException refused) {
                assertEquals(Rejection.SUBJECT_TOKEN_MALFORMED, refused.rejection());
                return;
            }
            parsed.incrementAndGet();
            if (verifies(jws)) {
                verified.incrementAndGet();
                assertEquals(original.claims(), jws.claims(), mutant);
                assertEquals(original.algorithm(), jws.algorithm());
                assertEquals(original.keyId(), jws.keyId());
                assertEquals(original.type(), jws.type());
            }
        });
        System.out.printf("[property] ParsedJws on mutated signed tokens: %d mutants, %d parsed, %d still verified (each read as the original)%n",
                cases.get(), parsed.get(), verified.get());
    }

    // ---- generators ---------------------------------------------------------------------------------------------

    /** Arbitrary unicode, base64url-ish text with dots, and three-part structures of encoded JSON fragments. */
    private static Gen<String> tokenLikeText() {
        Gen<String> anyText = strings().allPossible().ofLengthBetween(0, 200);
        Gen<String> alphabet = strings().betweenCodePoints('-', 'z').ofLengthBetween(0, 120);
        Gen<String> fragment = Generate.pick(List.of("{}", "[]", "null", "1", "\"x\"", "{\"alg\":\"RS256\"}", "{\"alg\":1}",
                "{\"alg\":\"none\",\"alg\":\"RS256\"}", "{\"alg\":\"RS256\",\"crit\":[\"exp\"]}", PAYLOAD, "{\"sub\":\"1\",\"sub\":\"2\"}",
                "{\"alg\":\"RS256\"", "{\"a\":" + "[".repeat(2000) + "}", "\uFEFF{\"alg\":\"RS256\"}", "{\"alg\":\"RS256\"} trailing"));
        Gen<String> encoded = fragment.zip(Generate.booleans(), (json, padded) -> {
            String part = Base64.getUrlEncoder().encodeToString(json.getBytes(StandardCharsets.UTF_8));
            return padded ? part : part.replace("=", "");
        });
        Gen<String> structured = encoded.zip(encoded, alphabet, (header, payload, signature) -> header + "." + payload + "." + signature);
        return Generate.frequency(Pair.of(1, anyText), Pair.of(1, alphabet.zip(alphabet, (a, b) -> a + "." + b)), Pair.of(3, structured));
    }

    /** The signed token with one to three random edits: a character replaced, inserted or deleted, parts swapped or re-encoded. */
    private static Gen<String> mutants() {
        Gen<Integer> positions = Generate.range(0, SIGNED.length() - 1);
        Gen<Character> characters = Generate.pick(List.of('A', 'B', 'a', 'z', '0', '9', '-', '_', '.', '=', '+', '/', ' ', '\u00e9', '\n'));
        Gen<Integer> kinds = Generate.range(0, 5);
        Gen<int[]> edit = kinds.zip(positions, characters, (kind, position, character) -> new int[] {kind, position, character});
        return edit.zip(edit, edit, Generate.range(1, 3), (a, b, c, count) -> {
            String token = SIGNED;
            int[][] edits = {a, b, c};
            for (int i = 0; i < count; i++) {
                token = apply(token, edits[i]);
            }
            return token;
        });
    }

    private static String apply(String token, int[] edit) {
        int at = Math.min(edit[1], Math.max(0, token.length() - 1));
        char character = (char) edit[2];
        String[] parts = token.split("\\.", -1);
        return switch (edit[0]) {
            case 0 -> token.substring(0, at) + character + token.substring(Math.min(token.length(), at + 1));
            case 1 -> token.substring(0, at) + character + token.substring(at);
            case 2 -> token.substring(0, at) + token.substring(Math.min(token.length(), at + 1));
            case 3 -> parts.length == 3 ? parts[1] + "." + parts[0] + "." + parts[2] : token;
            case 4 -> parts.length == 3 ? reencoded(parts[0]) + "." + parts[1] + "." + parts[2] : token;
            default -> parts.length == 3 ? parts[0] + "." + reencoded(parts[1]) + "." + parts[2] : token;
        };
    }

    /** The same JSON text, padded: different bytes to sign, same content once decoded. */
    private static String reencoded(String part) {
        try {
            return Base64.getUrlEncoder().encodeToString(Base64.getUrlDecoder().decode(part));
        } catch (IllegalArgumentException e) {
            return part;
        }
    }

    // ---- signatures -----------------------------------------------------------------------------------------

    private static boolean verifies(ParsedJws jws) {
        try {
            Signature verifier = Signature.getInstance("SHA256withRSA");
            verifier.initVerify(KEY.getPublic());
            verifier.update(jws.signingInput());
            return verifier.verify(jws.signature());
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
