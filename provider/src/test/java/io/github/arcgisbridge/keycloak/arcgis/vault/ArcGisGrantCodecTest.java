package io.github.arcgisbridge.keycloak.arcgis.vault;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.List;

import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;

import org.junit.jupiter.api.Test;

/**
 * The stored grant is bound to its link: sealed for one realm, user, identity provider and ArcGIS member, it opens for
 * that binding only, so a grant copied onto another user's link (a database-level attacker's move) is useless.
 */
class ArcGisGrantCodecTest {

    private static final GrantBinding ALICE = new GrantBinding("realm-1", "user-alice", "arcgis", "member-a");
    private static final byte[] GRANT = "{\"refreshToken\":\"r\"}".getBytes(StandardCharsets.UTF_8);

    @Test
    void opensForItsOwnBindingOnly() throws GeneralSecurityException {
        SecretKey key = aesKey();
        String sealed = ArcGisGrantCodec.seal(key, ALICE, GRANT);
        assertArrayEquals(GRANT, ArcGisGrantCodec.open(key, ALICE, sealed));
        for (GrantBinding other : List.of(
                new GrantBinding("realm-2", "user-alice", "arcgis", "member-a"),
                new GrantBinding("realm-1", "user-mallory", "arcgis", "member-a"),
                new GrantBinding("realm-1", "user-alice", "arcgis-2", "member-a"),
                new GrantBinding("realm-1", "user-alice", "arcgis", "member-m"))) {
            assertNull(ArcGisGrantCodec.open(key, other, sealed), other.toString());
        }
    }

    @Test
    void refusesTamperingAnotherKeyAndGarbage() throws GeneralSecurityException {
        SecretKey key = aesKey();
        String sealed = ArcGisGrantCodec.seal(key, ALICE, GRANT);
        char last = sealed.charAt(sealed.length() - 1);
        assertNull(ArcGisGrantCodec.open(key, ALICE, sealed.substring(0, sealed.length() - 1) + (last == 'A' ? 'B' : 'A')));
        assertNull(ArcGisGrantCodec.open(aesKey(), ALICE, sealed));
        assertNull(ArcGisGrantCodec.open(key, ALICE, "not.a.sealed.grant"));
        assertNull(ArcGisGrantCodec.open(key, ALICE, "%%%.%%%"));
    }

    @Test
    void eachSealingUsesAFreshIv() throws GeneralSecurityException {
        SecretKey key = aesKey();
        assertNotEquals(ArcGisGrantCodec.seal(key, ALICE, GRANT), ArcGisGrantCodec.seal(key, ALICE, GRANT));
    }

    private static SecretKey aesKey() throws GeneralSecurityException {
        KeyGenerator generator = KeyGenerator.getInstance("AES");
        generator.init(128);
        return generator.generateKey();
    }
}
