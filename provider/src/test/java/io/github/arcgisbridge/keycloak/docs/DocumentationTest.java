package io.github.arcgisbridge.keycloak.docs;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import io.github.arcgisbridge.keycloak.arcgis.ArcGisConfig;
import io.github.arcgisbridge.keycloak.error.Rejection;
import io.github.arcgisbridge.keycloak.identityserver4.IdentityServer4Config;
import io.github.arcgisbridge.keycloak.settings.Setting;

/** What users read stays true to the code: every refusal in the README's errors table, every setting with its default. */
class DocumentationTest {

    private static final Path README = Path.of("../README.md");
    private static final Path CONFIGURATION = Path.of("../docs/configuration.md");

    @Test
    void everyRefusalReasonIsInTheReadmesErrorsTable() throws IOException {
        String readme = Files.readString(README, StandardCharsets.UTF_8);
        for (Rejection rejection : Rejection.values()) {
            assertTrue(readme.contains("`" + rejection.reason() + "`"), "README.md does not list the reason " + rejection.reason());
        }
    }

    @Test
    void everySettingIsInTheConfigurationReferenceWithItsDefault() throws IOException {
        List<String> rows = Files.readAllLines(CONFIGURATION, StandardCharsets.UTF_8);
        Stream.concat(IdentityServer4Config.declaredSettings().stream(), ArcGisConfig.declaredSettings().stream()).forEach(setting -> {
            String row = rows.stream().filter(line -> line.contains("(`" + setting.key() + "`)")).findFirst()
                    .orElseThrow(() -> new AssertionError("docs/configuration.md does not list " + setting.key()));
            assertTrue(row.endsWith("| " + documentedDefault(setting) + " |") || row.contains("| " + documentedDefault(setting) + ":"),
                    setting.key() + " has default " + documentedDefault(setting) + " in the code: " + row);
        });
    }

    @Test
    void everyServerOptionIsInTheConfigurationReference() throws IOException {
        String configuration = Files.readString(CONFIGURATION, StandardCharsets.UTF_8);
        for (String option : List.of("introspection-cache-size", "arcgis-max-concurrent-refreshes")) {
            assertTrue(configuration.contains("`" + option + "`"), "docs/configuration.md does not list the server option " + option);
        }
    }

    private static String documentedDefault(Setting setting) {
        return setting.defaultValue() == null ? "empty" : "`" + setting.defaultValue() + "`";
    }
}
