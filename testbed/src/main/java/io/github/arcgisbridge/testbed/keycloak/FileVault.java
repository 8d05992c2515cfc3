package io.github.arcgisbridge.testbed.keycloak;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Keycloak's file vault ({@code --vault=file --vault-dir=<dir>}), filled the way a deployment provides the upstream
 * secrets that a realm export names as {@code ${vault.<key>}}, for tests that run a real Keycloak against the testbed.
 */
public final class FileVault {

    private FileVault() {
    }

    /**
     * One file per secret, named {@code <realm>_<key>} as Keycloak's default key resolver looks it up, holding the
     * secret as is: Keycloak does not trim it, so no newline. That resolver also doubles any underscore inside the
     * realm or the key; this does not, so neither may have one.
     */
    public static void write(Path dir, String realm, Map<String, String> secrets) {
        try {
            Files.createDirectories(dir);
            for (Map.Entry<String, String> secret : secrets.entrySet()) {
                Files.writeString(dir.resolve(realm + "_" + secret.getKey()), secret.getValue(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
