package io.github.arcgisbridge.example;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.keycloak.representations.idm.RealmRepresentation;
import org.keycloak.testframework.realm.RealmBuilder;
import org.keycloak.testframework.realm.RealmConfig;
import org.keycloak.util.JsonSerialization;

import io.github.arcgisbridge.testbed.InProcessUpstreams;

/**
 * The shipped realm export ({@code realm-export/arcgis-realm.json}) pointed at the in-process IdentityServer4 issuer and
 * ArcGIS emulator instead of {@code http://localhost:5000} and {@code :8090}, with a known secret for {@code map-app}
 * (the export ships none), as the provider's tests adjust it (provider/src/test/java/…/it/ArcgisRealmConfig).
 */
public final class BackendRealmConfig implements RealmConfig {

    static final String MAP_APP_SECRET = "test-map-app-secret";
    private static final String REALM_EXPORT = "../../realm-export/arcgis-realm.json";

    @Override
    public RealmBuilder configure(RealmBuilder ignored) {
        RealmRepresentation realm = read();
        realm.getIdentityProviders().forEach(each -> each.getConfig().replaceAll((key, value) -> value
                .replace("http://localhost:5000", InProcessUpstreams.issuer().issuer())
                .replace("http://localhost:8090", InProcessUpstreams.portal().baseUrl())));
        realm.getClients().stream().filter(c -> c.getClientId().equals("map-app")).findFirst()
                .orElseThrow().setSecret(MAP_APP_SECRET);
        return RealmBuilder.update(realm);
    }

    private static RealmRepresentation read() {
        try (InputStream in = Files.newInputStream(Path.of(REALM_EXPORT))) {
            return JsonSerialization.readValue(new String(in.readAllBytes(), StandardCharsets.UTF_8), RealmRepresentation.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
