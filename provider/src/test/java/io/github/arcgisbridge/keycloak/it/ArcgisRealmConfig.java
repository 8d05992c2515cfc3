package io.github.arcgisbridge.keycloak.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.keycloak.representations.idm.ClientRepresentation;
import org.keycloak.representations.idm.IdentityProviderRepresentation;
import org.keycloak.representations.idm.RealmRepresentation;
import org.keycloak.testframework.realm.RealmBuilder;
import org.keycloak.testframework.realm.RealmConfig;
import org.keycloak.util.JsonSerialization;

import io.github.arcgisbridge.testbed.InProcessUpstreams;
import io.github.arcgisbridge.testbed.arcgis.ArcGisPortal;

/**
 * The shipped realm export ({@code realm-export/arcgis-realm.json}), pointed at the in-process testbed issuer and
 * ArcGIS emulator instead of {@code http://localhost:5000} and {@code :8090}, {@code arcgis-online} accepting the
 * in-process ArcGIS emulator's redirect URI, the confidential clients with the tests' secrets (the export ships none;
 * the upstream secrets come from the server's vault, see {@link BridgeServerConfig}), plus a few clients that only
 * tests need: one confidential and one public client missing from the exchange permissions, permissions naming a
 * client that does not exist and one that is disabled, and a client for password logins (to trip brute-force detection).
 */
public class ArcgisRealmConfig implements RealmConfig {

    static final String REALM_EXPORT = "../realm-export/arcgis-realm.json";
    /** The export ships no client secret (Keycloak generates one on import); the tests set their own. */
    static final String MAP_APP_SECRET = "test-map-app-secret";
    static final String ARCGIS_ONLINE_SECRET = "test-arcgis-online-secret";
    static final String LOCAL_ISSUER = "http://localhost:5000";
    static final String LOCAL_PORTAL = "http://localhost:8090";

    @Override
    public RealmBuilder configure(RealmBuilder ignored) {
        RealmRepresentation realm = read();
        realm.getIdentityProviders().forEach(each -> each.getConfig().replaceAll((key, value) -> value
                .replace(LOCAL_ISSUER, Testbed.issuer().issuer()).replace(LOCAL_PORTAL, portal().baseUrl())));
        IdentityProviderRepresentation idp = realm.getIdentityProviders().get(0);
        idp.getConfig().computeIfPresent("exchangePermissions",
                (key, value) -> value.replace("map-app=arcgis-online", "map-app=arcgis-online,ghost-app,disabled-app"));

        List<ClientRepresentation> clients = new ArrayList<>(realm.getClients());
        clients.stream().filter(c -> c.getClientId().equals("map-app")).findFirst().ifPresent(app -> app.setSecret(MAP_APP_SECRET));
        clients.stream().filter(c -> c.getClientId().equals("arcgis-online")).findFirst().ifPresent(arcgis -> {
            arcgis.setSecret(ARCGIS_ONLINE_SECRET);
            List<String> redirects = new ArrayList<>(arcgis.getRedirectUris());
            redirects.add(portal().sharingRest() + "/oauth2/oidc/*");
            arcgis.setRedirectUris(redirects);
        });
        clients.add(client("unlisted-app", false, true));
        clients.add(client("unlisted-spa", true, true));
        clients.add(client("disabled-app", false, false));
        ClientRepresentation passwordLogin = client("password-login", true, true);
        passwordLogin.setDirectAccessGrantsEnabled(true);
        clients.add(passwordLogin);
        realm.setClients(clients);
        return RealmBuilder.update(realm);
    }

    /** The ArcGIS portal the realm's ArcGIS identity provider and arcgis-online serve. */
    ArcGisPortal portal() {
        return InProcessUpstreams.portal();
    }

    static ClientRepresentation client(String clientId, boolean publicClient, boolean enabled) {
        ClientRepresentation client = new ClientRepresentation();
        client.setClientId(clientId);
        client.setEnabled(enabled);
        client.setProtocol("openid-connect");
        client.setPublicClient(publicClient);
        client.setStandardFlowEnabled(false);
        client.setDirectAccessGrantsEnabled(false);
        if (!publicClient) {
            client.setSecret(clientId + "-secret");
        }
        return client;
    }

    private static RealmRepresentation read() {
        try (InputStream in = Files.newInputStream(Path.of(REALM_EXPORT))) {
            return JsonSerialization.readValue(new String(in.readAllBytes(), StandardCharsets.UTF_8), RealmRepresentation.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
