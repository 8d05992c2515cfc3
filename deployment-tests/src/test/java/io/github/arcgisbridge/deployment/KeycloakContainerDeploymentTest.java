package io.github.arcgisbridge.deployment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.dockerjava.api.model.Network;
import dasniko.testcontainers.keycloak.KeycloakContainer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.keycloak.admin.client.Keycloak;
import org.keycloak.admin.client.resource.RealmResource;
import org.keycloak.representations.idm.FederatedIdentityRepresentation;
import org.keycloak.representations.idm.UserRepresentation;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.PullPolicy;
import org.testcontainers.images.builder.Transferable;

import io.github.arcgisbridge.testbed.arcgis.ArcGisPortal;
import io.github.arcgisbridge.testbed.arcgis.Member;
import io.github.arcgisbridge.testbed.arcgis.OidcLoginSettings;
import io.github.arcgisbridge.testbed.arcgis.ProviderDiscovery;
import io.github.arcgisbridge.testbed.browser.Browser;
import io.github.arcgisbridge.testbed.http.Pkce;
import io.github.arcgisbridge.testbed.identityserver.IdentityServer4Issuer;
import io.github.arcgisbridge.testbed.identityserver.RegisteredClient;

/**
 * The provider jar deployed as users deploy it: copied into the Keycloak image's {@code providers/} by
 * testcontainers-keycloak's {@link KeycloakContainer}, built into the server by {@code kc.sh} ({@code start}, production
 * mode, runs Keycloak's build step first, as {@code kc.sh build} does), the shipped realm export imported
 * ({@code --import-realm}) with its upstream secrets in Keycloak's file vault, and client secrets that Keycloak
 * generated on import, read back through the admin API. Against that container: (a) the README's token exchange and
 * (b) ArcGIS's organisation sign-in through Keycloak in front of IdentityServer4.
 * <p>
 * The IdentityServer4 look-alike and the ArcGIS portal emulator run in this JVM, on free loopback ports, reached from
 * the container through {@link HostRelay} at {@value #CONTAINER_HOST} (the Docker bridge's gateway). The realm export's
 * {@code http://localhost:5000} and {@code :8090} become the testbed's URLs; the issuer's back-channel URLs (JWKS,
 * token, userinfo, introspection) use {@value #CONTAINER_HOST}, its {@code issuer} and front-channel URLs stay
 * {@code localhost} (what its tokens and this test's browser see).
 * <p>
 * System properties (deployment-tests/pom.xml): {@code keycloak.image} (Maven: {@code -Dkeycloak.container.image}),
 * {@code provider.jar}, {@code realm.export}.
 * Skipped when no Docker engine answers.
 */
@EnabledIf(value = "dockerAnswers", disabledReason = "no Docker engine answers at DOCKER_HOST: the container deployment test is skipped")
class KeycloakContainerDeploymentTest {

    static final String CONTAINER_HOST = "host.docker.internal";
    private static final String APP_REDIRECT = "http://localhost:1/app/callback";
    private static final String EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
    private static final String ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token";
    private static final String ALICE_SUB = "818727";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final SecureRandom RANDOM = new SecureRandom();

    private static final List<AutoCloseable> STARTED = new ArrayList<>();
    private static IdentityServer4Issuer issuer;
    private static ArcGisPortal portal;
    private static KeycloakContainer keycloak;
    private static String realmUrl;
    private static String mapAppSecret;

    static boolean dockerAnswers() {
        boolean answers = DockerClientFactory.instance().isDockerAvailable();
        if (!answers) {
            System.err.println("SKIPPED: no Docker engine answers at " + System.getenv("DOCKER_HOST")
                    + "; the container deployment test did not run.");
        }
        return answers;
    }

    @BeforeAll
    static void deployTheJarInTheKeycloakImage() throws Exception {
        Path jar = Path.of(System.getProperty("provider.jar"));
        assertTrue(Files.isRegularFile(jar), "Build the provider jar first (mvn -B -DskipTests package): " + jar);

        // The upstream secrets the realm export names as ${vault.<key>}: fresh ones, as a deployment has its own.
        String brokerSecret = randomSecret();
        String apiSecret = randomSecret();
        String arcgisAppSecret = randomSecret();
        issuer = IdentityServer4Issuer.start(0, apiSecret);
        STARTED.add(issuer::close);
        portal = ArcGisPortal.start(0, "deployorg", "Deployment test organisation");
        STARTED.add(portal::close);
        String gateway = bridgeGateway();
        STARTED.add(HostRelay.start(gateway, URI.create(issuer.issuer()).getPort()));
        STARTED.add(HostRelay.start(gateway, URI.create(portal.baseUrl()).getPort()));

        keycloak = new KeycloakContainer(System.getProperty("keycloak.image"))
                // A local image (the stand-in, or one pulled before) is used as it is, never pulled again.
                .withImagePullPolicy(PullPolicy.defaultPolicy())
                .withProviderLibsFrom(List.of(jar.toFile()))
                .withProductionMode()
                .withCustomCommand("--http-enabled=true")
                .withCustomCommand("--hostname-strict=false")
                .withCustomCommand("--cache=local")
                .withCustomCommand("--db=dev-file")
                .withEnv("KC_VAULT", "file")
                .withEnv("KC_VAULT_DIR", "/opt/keycloak/vault")
                .withCopyToContainer(vaultFile(brokerSecret), "/opt/keycloak/vault/arcgis_identityserver4-client-secret")
                .withCopyToContainer(vaultFile(apiSecret), "/opt/keycloak/vault/arcgis_identityserver4-api-secret")
                .withCopyToContainer(vaultFile(arcgisAppSecret), "/opt/keycloak/vault/arcgis_arcgis-client-secret")
                .withCopyToContainer(Transferable.of(realmExport(issuer.issuer(), portal.baseUrl()), 0644),
                        "/opt/keycloak/data/import/arcgis-realm.json")
                .withExtraHost(CONTAINER_HOST, gateway)
                .withAdminPassword(randomSecret())
                .withStartupTimeout(Duration.ofMinutes(5));
        STARTED.add(keycloak::stop);
        keycloak.start();
        realmUrl = keycloak.getAuthServerUrl() + "/realms/arcgis";

        // Keycloak's side is known now: register it where an administrator would.
        issuer.registerClient(new RegisteredClient("keycloak-broker", brokerSecret, Set.of(realmUrl + "/broker/identityserver4/endpoint")));
        portal.registerApp(new ArcGisPortal.App("keycloak-bridge", arcgisAppSecret, Set.of(realmUrl + "/broker/arcgis/endpoint")));
        portal.registerApp(new ArcGisPortal.App("map-app", randomSecret(), Set.of(APP_REDIRECT)));
        String arcgisOnlineSecret;
        try (Keycloak admin = keycloak.getKeycloakAdminClient()) {
            mapAppSecret = clientSecret(admin.realm("arcgis"), "map-app");
            arcgisOnlineSecret = clientSecret(admin.realm("arcgis"), "arcgis-online");
        }
        portal.configureOidcLogin(OidcLoginSettings.fromDiscovery("Sign in with Keycloak", "arcgis-online", arcgisOnlineSecret,
                ProviderDiscovery.fetch(realmUrl)));
    }

    @AfterAll
    static void stop() {
        for (int i = STARTED.size() - 1; i >= 0; i--) {
            try {
                STARTED.get(i).close();
            } catch (Exception e) {
                System.err.println("stopping: " + e);
            }
        }
        STARTED.clear();
    }

    @Test
    void kcShBuiltTheProviderIntoTheServer() {
        String logs = keycloak.getLogs();
        assertTrue(logs.contains("Updating the configuration and installing your custom providers"), "kc.sh ran its build step");
        assertTrue(logs.contains("(io.github.arcgisbridge.keycloak.exchange.IdentityServer4TokenExchangeProviderFactory)"),
                "the build found the provider's token exchange factory");
        assertTrue(logs.contains("Profile prod activated"), "production mode");
    }

    @Test
    void exchangesAliceIdentityServer4TokenForAnArcGisOnlineToken() {
        // The README's exchange: an IdentityServer4 token for alice (password grant of the app's SPA client) ...
        JsonNode is4 = postForm(issuer.tokenEndpoint(), Map.of("grant_type", "password", "client_id", "map-spa",
                "username", "alice", "password", "alice", "scope", "openid profile email arcgis.read"), null);
        assertTrue(is4.hasNonNull("access_token"), "IdentityServer4 token for alice: " + withoutTokens(is4));

        // ... exchanged by map-app, with the secret Keycloak generated on import, for the audience arcgis-online.
        JsonNode answer = postForm(realmUrl + "/protocol/openid-connect/token", Map.of("grant_type", EXCHANGE,
                "subject_token", is4.get("access_token").asText(), "subject_token_type", ACCESS_TOKEN_TYPE,
                "subject_issuer", "identityserver4", "audience", "arcgis-online"), basic("map-app", mapAppSecret));
        assertTrue(answer.hasNonNull("access_token"), "exchange answered: " + withoutTokens(answer));
        assertEquals(ACCESS_TOKEN_TYPE, answer.path("issued_token_type").asText());
        JsonNode claims = claims(answer.get("access_token").asText());
        assertTrue(audiences(claims).contains("arcgis-online"), "aud " + claims.get("aud"));
        assertEquals("map-app", claims.path("azp").asText());
        assertEquals("alice", claims.path("preferred_username").asText());
        assertEquals(realmUrl, claims.path("iss").asText());

        // The exchange's user is linked to alice's IdentityServer4 subject.
        try (Keycloak admin = keycloak.getKeycloakAdminClient()) {
            assertEquals(ALICE_SUB, identityServer4Link(admin.realm("arcgis"), "alice"));
        }
    }

    @Test
    void arcGisSignsAliceInThroughKeycloakInFrontOfIdentityServer4() {
        Browser browser = new Browser().stopAt(APP_REDIRECT);
        String verifier = Pkce.newVerifier();
        Browser.Page page = browser.open(portal.sharingRest() + "/oauth2/authorize?client_id=map-app&response_type=code"
                + "&state=app-state&expiration=60&redirect_uri=" + encode(APP_REDIRECT) + "&code_challenge=" + Pkce.s256(verifier)
                + "&code_challenge_method=S256");
        page = browser.click(page, "oidc-login");  // "Sign in with Keycloak" on ArcGIS's sign-in page
        if (page.url().contains("/account/login")) {  // IdentityServer4's login page (no session there yet)
            page = browser.submit(page, Map.of("username", "alice", "password", "alice"));
        }
        assertTrue(page.url().startsWith(APP_REDIRECT), "ended at " + page.url() + ": " + page.body());
        assertEquals("app-state", page.query("state"));
        assertTrue(browser.history().stream().anyMatch(url -> url.startsWith(realmUrl + "/protocol/openid-connect/auth")),
                "went through Keycloak: " + browser.history());
        assertTrue(browser.history().stream().anyMatch(url -> url.startsWith(issuer.issuer() + "/connect/authorize")),
                "Keycloak sent the browser on to IdentityServer4: " + browser.history());
        assertTrue(browser.pagesShown().stream().noneMatch(url -> url.startsWith(keycloak.getAuthServerUrl())),
                "Keycloak showed no page of its own: " + browser.pagesShown());

        JsonNode token = postForm(portal.sharingRest() + "/oauth2/token", Map.of("grant_type", "authorization_code",
                "client_id", "map-app", "code", page.query("code"), "redirect_uri", APP_REDIRECT, "code_verifier", verifier), null);
        assertFalse(token.has("error"), withoutTokens(token));
        assertEquals("alice_deployorg", token.path("username").asText());
        assertEquals("alice_deployorg", communitySelf(token.get("access_token").asText()).path("username").asText());
        // The ArcGIS claim profile (the provider's mapper) made alice's IdentityServer4 subject ArcGIS's user identifier.
        Member member = portal.members().stream().filter(m -> m.username().equals("alice_deployorg")).findFirst().orElseThrow();
        assertEquals(ALICE_SUB, member.idpUserId());
        try (Keycloak admin = keycloak.getKeycloakAdminClient()) {
            assertEquals(ALICE_SUB, identityServer4Link(admin.realm("arcgis"), "alice"));
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------------------

    /** The realm export pointed at this JVM's testbed: issuer and portal URLs, and the issuer's back channel via the relay. */
    private static byte[] realmExport(String issuerUrl, String portalUrl) throws IOException {
        String json = Files.readString(Path.of(System.getProperty("realm.export")))
                .replace("http://localhost:5000", issuerUrl).replace("http://localhost:8090", portalUrl);
        ObjectNode realm = (ObjectNode) JSON.readTree(json);
        for (JsonNode idp : realm.get("identityProviders")) {
            if ("identityserver4".equals(idp.path("alias").asText())) {
                ObjectNode config = (ObjectNode) idp.get("config");
                for (String key : List.of("jwksUrl", "tokenUrl", "userInfoUrl", "tokenIntrospectionUrl")) {
                    config.put(key, config.get(key).asText().replace("http://localhost:", "http://" + CONTAINER_HOST + ":"));
                }
            }
        }
        return JSON.writeValueAsBytes(realm);
    }

    /**
     * The host's address on Docker's default bridge, as containers see it: the network's gateway, or (the default
     * bridge lists none) the address of its interface, docker0. The engine runs on this machine (DOCKER_HOST is a
     * local socket), so that interface is here.
     */
    private static String bridgeGateway() throws IOException {
        Network bridge = DockerClientFactory.instance().client().inspectNetworkCmd().withNetworkId("bridge").exec();
        String listed = bridge.getIpam().getConfig().stream().map(Network.Ipam.Config::getGateway).filter(Objects::nonNull)
                .findFirst().orElse(null);
        if (listed != null) {
            return listed;
        }
        String name = bridge.getOptions().getOrDefault("com.docker.network.bridge.name", "docker0");
        NetworkInterface bridgeInterface = NetworkInterface.getByName(name);
        assertNotNull(bridgeInterface, "no interface " + name + " here: the Docker engine must run on this machine");
        return bridgeInterface.inetAddresses().filter(Inet4Address.class::isInstance).map(InetAddress::getHostAddress)
                .findFirst().orElseThrow(() -> new AssertionError("no IPv4 address on " + name));
    }

    /** Keycloak's file vault: the secret as it is, no trailing newline; readable by the image's user (uid 1000). */
    private static Transferable vaultFile(String secret) {
        return Transferable.of(secret.getBytes(StandardCharsets.UTF_8), 0644);
    }

    private static String clientSecret(RealmResource realm, String clientId) {
        String id = realm.clients().findByClientId(clientId).get(0).getId();
        String secret = realm.clients().get(id).getSecret().getValue();
        assertNotNull(secret, "Keycloak generated a secret for " + clientId);
        return secret;
    }

    private static String identityServer4Link(RealmResource realm, String username) {
        UserRepresentation user = realm.users().search(username, true).get(0);
        return realm.users().get(user.getId()).getFederatedIdentity().stream()
                .filter(link -> link.getIdentityProvider().equals("identityserver4"))
                .map(FederatedIdentityRepresentation::getUserId).findFirst().orElse(null);
    }

    private static JsonNode claims(String jwt) {
        try {
            return JSON.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
        } catch (IOException e) {
            throw new AssertionError("not a JWT", e);
        }
    }

    private static List<String> audiences(JsonNode claims) {
        JsonNode aud = claims.path("aud");
        List<String> values = new ArrayList<>();
        if (aud.isArray()) {
            aud.forEach(value -> values.add(value.asText()));
        } else {
            values.add(aud.asText());
        }
        return values;
    }

    /** An answer for an assertion message, tokens left out (no token ever reaches a log). */
    private static String withoutTokens(JsonNode answer) {
        ObjectNode copy = answer.deepCopy();
        List<String> names = new ArrayList<>();
        copy.fieldNames().forEachRemaining(names::add);
        names.stream().filter(name -> name.contains("token")).forEach(name -> copy.put(name, "(left out)"));
        return copy.toString();
    }

    private static JsonNode communitySelf(String token) {
        return send(HttpRequest.newBuilder(URI.create(portal.sharingRest() + "/community/self?f=json"))
                .header("X-Esri-Authorization", "Bearer " + token).GET());
    }

    private static JsonNode postForm(String url, Map<String, String> form, String authorization) {
        String body = form.entrySet().stream().map(e -> encode(e.getKey()) + "=" + encode(e.getValue())).collect(Collectors.joining("&"));
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return send(request);
    }

    private static JsonNode send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = HTTP.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((encode(user) + ":" + encode(password)).getBytes(StandardCharsets.UTF_8));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private static String randomSecret() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
