package io.github.arcgisbridge.example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.oauth2Client;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.oauth2Login;
import static org.springframework.security.test.web.servlet.setup.SecurityMockMvcConfigurers.springSecurity;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.keycloak.testframework.annotations.InjectRealm;
import org.keycloak.testframework.annotations.KeycloakIntegrationTest;
import org.keycloak.testframework.realm.ManagedRealm;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.ClientRegistrationRepository;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.context.WebApplicationContext;

import io.github.arcgisbridge.testbed.InProcessUpstreams;
import io.github.arcgisbridge.testbed.identityserver.TestUser;
import io.github.arcgisbridge.testbed.identityserver.TokenSpec;

/**
 * The Java backend against the real Keycloak with the provider deployed (the Keycloak test framework, distribution
 * mode), the shipped realm export, and the testbed's IdentityServer4 issuer and ArcGIS emulator: the backend's
 * {@code /api/arcgis-token} exchanges the signed-in user's IdentityServer4 token through Spring Security's standard
 * token-exchange client ({@code TokenExchangeGrantRequest}, {@code RestClientTokenExchangeTokenResponseClient}).
 * The user's sign-in is Spring Security's test support (an authenticated session whose IdentityServer4 client holds a
 * real IdentityServer4 access token); everything after it is real HTTP.
 */
@KeycloakIntegrationTest(config = BackendServerConfig.class)
class ArcGisTokenEndpointTest {

    private static final AtomicInteger NEXT = new AtomicInteger();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static ConfigurableApplicationContext backend;

    @InjectRealm(config = BackendRealmConfig.class)
    ManagedRealm realm;

    private MockMvc mvc;

    @BeforeEach
    void startTheBackend() {
        if (backend == null) {
            // Keycloak's test framework owns the JVM's logging (JBoss LogManager); Spring Boot leaves it alone.
            System.setProperty("org.springframework.boot.logging.LoggingSystem", "none");
            backend = new SpringApplicationBuilder(ArcGisTokenApplication.class)
                    .properties(Map.of("PORT", "0", "spring.main.banner-mode", "off",
                            "IS4_ISSUER", InProcessUpstreams.issuer().issuer(),
                            "KEYCLOAK_REALM_URL", realm.getBaseUrl(),
                            "MAP_APP_SECRET", BackendRealmConfig.MAP_APP_SECRET))
                    .run();
        }
        mvc = MockMvcBuilders.webAppContextSetup((WebApplicationContext) backend).apply(springSecurity()).build();
    }

    @AfterAll
    static void stopTheBackend() {
        if (backend != null) {
            backend.close();
            backend = null;
        }
    }

    @Test
    void anUnlinkedUserIsToldToLinkOnceWithTheLinkEndingAtTheApp() throws Exception {
        MvcResult result = mvc.perform(signedIn(get("/api/arcgis-token"), newUser())).andReturn();
        JsonNode body = body(result);
        assertEquals(400, result.getResponse().getStatus(), body.toString());
        assertEquals("not_linked", body.path("error").asText());
        String link = body.path("account-link-url").asText();
        assertTrue(link.startsWith(realm.getBaseUrl() + "/protocol/openid-connect/auth?"), link);
        assertTrue(link.contains("kc_action=idp_link%3Aarcgis") || link.contains("kc_action=idp_link:arcgis"), link);
        assertTrue(link.endsWith("&redirect_uri=" + URLEncoder.encode("http://localhost/", StandardCharsets.UTF_8)), link);
        assertEquals("no-store", result.getResponse().getHeader("Cache-Control"));
    }

    @Test
    void theRefusedTokenReportIsAPostOfJsonAndReachesKeycloak() throws Exception {
        MvcResult result = mvc.perform(signedIn(post("/api/arcgis-token"), newUser())
                .contentType(MediaType.APPLICATION_JSON).content("{\"refused_token\":\"a-token-arcgis-refused\"}")).andReturn();
        assertEquals(400, result.getResponse().getStatus());
        assertEquals("not_linked", body(result).path("error").asText(), "an unlinked user links first, report or not");
        MvcResult form = mvc.perform(signedIn(post("/api/arcgis-token"), newUser())
                .contentType(MediaType.APPLICATION_FORM_URLENCODED).content("refused_token=x")).andReturn();
        assertEquals(415, form.getResponse().getStatus(), "a cross-site form cannot report");
    }

    @Test
    void theStandardClientExchangesForAKeycloakTokenForArcgisOnline() {
        TestUser user = newUser();
        Map<String, Object> answer = backend.getBean(KeycloakTokenExchange.class).clientToken(is4Token(user), "arcgis-online");
        assertEquals("urn:ietf:params:oauth:token-type:access_token", answer.get("issued_token_type"));
        assertTrue(((Number) answer.get("expires_in")).longValue() > 0, answer.toString());
        JsonNode claims = claims((String) answer.get("access_token"));
        assertEquals(user.username(), claims.path("preferred_username").asText());
        assertEquals("map-app", claims.path("azp").asText());
        assertTrue(claims.path("aud").toString().contains("arcgis-online"), claims.toString());
        assertEquals(realm.getBaseUrl(), claims.path("iss").asText());
    }

    @Test
    void keycloaksRefusalsReachThePageAsKeycloakSentThem() throws Exception {
        MvcResult result = mvc.perform(signedIn(get("/api/arcgis-token"), new OAuth2AccessToken(OAuth2AccessToken.TokenType.BEARER,
                "not-a-token", Instant.now(), Instant.now().plusSeconds(300)))).andReturn();
        assertEquals(400, result.getResponse().getStatus());
        assertEquals("invalid_request", body(result).path("error").asText());
    }

    @Test
    void withoutASignInTheApiAnswers401() throws Exception {
        assertEquals(401, mvc.perform(get("/api/arcgis-token")).andReturn().getResponse().getStatus());
    }

    private MockHttpServletRequestBuilder signedIn(MockHttpServletRequestBuilder request, TestUser user) {
        return signedIn(request, is4Token(user));
    }

    /** A session signed in with IdentityServer4 whose authorized client holds this access token. */
    private MockHttpServletRequestBuilder signedIn(MockHttpServletRequestBuilder request, OAuth2AccessToken is4AccessToken) {
        ClientRegistration identityServer4 = registrations().findByRegistrationId("identityserver4");
        return request.with(oauth2Login().clientRegistration(identityServer4))
                .with(oauth2Client("identityserver4").clientRegistration(identityServer4).accessToken(is4AccessToken));
    }

    private static OAuth2AccessToken is4Token(TestUser user) {
        Instant now = Instant.now();
        return new OAuth2AccessToken(OAuth2AccessToken.TokenType.BEARER, InProcessUpstreams.issuer().accessToken(TokenSpec.forUser(user)),
                now, now.plusSeconds(3600));
    }

    private static ClientRegistrationRepository registrations() {
        return backend.getBean(ClientRegistrationRepository.class);
    }

    /** A new IdentityServer4 user for each test. */
    private static TestUser newUser() {
        int n = NEXT.incrementAndGet();
        TestUser user = new TestUser(String.valueOf(7_000_000 + n), "java" + n, "java" + n + "-pw", "java" + n + "@example.com", "Java", "User " + n);
        InProcessUpstreams.issuer().addUser(user);
        return user;
    }

    private static JsonNode body(MvcResult result) throws Exception {
        String text = result.getResponse().getContentAsString();
        assertNotNull(text);
        return text.isEmpty() ? JSON.createObjectNode() : JSON.readTree(text);
    }

    private static JsonNode claims(String jwt) {
        try {
            return JSON.readTree(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]));
        } catch (Exception e) {
            throw new AssertionError("not a JWT", e);
        }
    }
}
