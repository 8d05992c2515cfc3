package io.github.arcgisbridge.testbed.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The testbed servers' settings from environment variables; a missing secret stops the server with a message. */
public final class Environment {

    private Environment() {
    }

    /** The trimmed value of {@code variable}, or the fallback when it is unset or blank. */
    public static String optional(String variable, String fallback) {
        String value = System.getenv(variable);
        return value == null || value.isBlank() ? fallback : value.trim();
    }

    /**
     * The secret in {@code variable}, or else in the file that {@code <variable>_FILE} names (the Docker secrets
     * convention: docker-compose.yml hands generated secrets over as files; a trailing newline is ignored). The
     * testbed has no built-in secrets: without one, the server exits naming the variable.
     */
    public static String secret(String variable, String meaning) {
        String value = System.getenv(variable);
        String file = System.getenv(variable + "_FILE");
        if ((value == null || value.isBlank()) && file != null && !file.isBlank()) {
            try {
                value = Files.readString(Path.of(file.trim())).replaceFirst("\\r?\\n$", "");
            } catch (IOException e) {
                System.err.println("Cannot read " + variable + "_FILE (" + file.trim() + "): " + e);
                System.exit(2);
            }
        }
        if (value == null || value.isBlank()) {
            System.err.println("Set " + variable + " (or " + variable + "_FILE, a file holding it) to " + meaning
                    + ". The testbed has no built-in secrets.");
            System.exit(2);
        }
        return value;
    }
}
