package io.github.arcgisbridge.testbed.identityserver;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.github.arcgisbridge.testbed.clock.TestbedClock;
import io.github.arcgisbridge.testbed.http.Exchanges;
import io.github.arcgisbridge.testbed.http.Fault;

/**
 * An HTTP issuer with IdentityServer4 4.x's endpoints and token shapes (see shared reference
 * {@code identityserver4.md}): discovery, JWKS under {@code /.well-known/openid-configuration/jwks}, JWT and
 * reference access tokens, ID tokens, {@code /connect/introspect} authenticated as an API resource,
 * {@code /connect/userinfo} and {@code /connect/token} (password and client-credentials grants).
 *
 * <p>Tests run it in-process and mint tokens directly with {@link #accessToken(TokenSpec)} and friends;
 * the local run starts it with {@link Main}. It counts the upstream calls a relying party makes, and can be
 * told to misbehave, per endpoint ({@link #fault(Upstream, Fault)}), so tests can check what a relying party does
 * when one is down, slow or answers garbage.</p>
 */
public final class IdentityServer4Issuer implements AutoCloseable {

    /** API resource allowed to introspect (IdentityServer4 authenticates introspection as an API, not a client). */
    public static final String API_NAME = "arcgis-bridge";
    /** The API resource's secret in tests ({@link #start(int)}); a standalone run sets its own ({@link #start(int, String)}). */
    public static final String API_SECRET = "bridge-secret";
    /** Confidential client for the client-credentials grant (tokens without a user). */
    public static final String SERVICE_CLIENT = "reporting-service";
    public static final String SERVICE_CLIENT_SECRET = "reporting-secret";

    /** The endpoints a relying party calls while validating tokens; each can be given a {@link Fault}. */
    public enum Upstream { JWKS, INTROSPECTION, USERINFO }

    private static final SecureRandom RANDOM = new SecureRandom();

    private final HttpServer server;
    private final ExecutorService executor;
    private final String issuer;
    private final String apiSecret;
    private final SigningKeys keys = new SigningKeys();
    private final Map<String, Map<String, Object>> referenceTokens = new ConcurrentHashMap<>();
    private final Map<String, TestUser> users = new ConcurrentHashMap<>();
    private final AuthorizationCodeFlow browserSignIn = new AuthorizationCodeFlow(this);
    private final AtomicInteger jwksRequests = new AtomicInteger();
    private final AtomicInteger introspectionRequests = new AtomicInteger();
    private final AtomicInteger userInfoRequests = new AtomicInteger();
    private final Map<Upstream, Fault> faults = new ConcurrentHashMap<>();

    private IdentityServer4Issuer(HttpServer server, String host, String apiSecret) {
        this.server = server;
        this.issuer = "http://" + host + ":" + server.getAddress().getPort();
        this.apiSecret = apiSecret;
        this.executor = Executors.newFixedThreadPool(8);
        server.setExecutor(executor);
        users.put(TestUser.ALICE.username(), TestUser.ALICE);
        users.put(TestUser.BOB.username(), TestUser.BOB);
        server.createContext("/.well-known/openid-configuration", this::discoveryOrJwks);
        server.createContext("/connect/token", this::token);
        server.createContext("/connect/authorize", browserSignIn::authorize);
        server.createContext("/account/login", browserSignIn::login);
        server.createContext("/connect/introspect", this::introspect);
        server.createContext("/connect/userinfo", this::userInfo);
        server.createContext("/testbed/stats", exchange -> Exchanges.json(exchange, 200, Map.of("jwks", jwksRequests.get(),
                "introspection", introspectionRequests.get(), "userinfo", userInfoRequests.get())));
    }

    /** Starts on loopback with the test API secret {@link #API_SECRET}; port 0 picks a free one. */
    public static IdentityServer4Issuer start(int port) throws IOException {
        return start(port, API_SECRET);
    }

    /** Starts on loopback with the given secret for the introspecting API resource {@link #API_NAME}. */
    public static IdentityServer4Issuer start(int port, String apiSecret) throws IOException {
        HttpServer server = Exchanges.loopbackServer(port);
        IdentityServer4Issuer issuer = new IdentityServer4Issuer(server, "localhost", apiSecret);
        server.start();
        return issuer;
    }

    public String issuer() { return issuer; }
    public String jwksUri() { return issuer + "/.well-known/openid-configuration/jwks"; }
    public String introspectionEndpoint() { return issuer + "/connect/introspect"; }
    public String userInfoEndpoint() { return issuer + "/connect/userinfo"; }
    public String tokenEndpoint() { return issuer + "/connect/token"; }
    public SigningKeys keys() { return keys; }
    public int jwksRequests() { return jwksRequests.get(); }
    public int introspectionRequests() { return introspectionRequests.get(); }
    public int userInfoRequests() { return userInfoRequests.get(); }
    /** Makes every upstream endpoint misbehave the same way ({@link Fault#NONE} heals them all). */
    public void fault(Fault fault) {
        for (Upstream upstream : Upstream.values()) {
            faults.put(upstream, fault);
        }
    }

    public void fault(Upstream upstream, Fault fault) {
        faults.put(upstream, fault);
    }

    public void addUser(TestUser user) {
        users.put(user.username(), user);
    }

    TestUser user(String username) {
        return users.get(username);
    }

    /** Registers a client for the authorization code flow (Keycloak's broker, or an ArcGIS portal signing in directly). */
    public void registerClient(RegisteredClient client) {
        browserSignIn.register(client);
    }

    /** Interactive logins (password typed at the login page) so far: a second sign-in with a session adds none. */
    public int interactiveLogins() {
        return browserSignIn.logins();
    }

    // ---- tokens ---------------------------------------------------------------------------------------------

    public String accessToken(TokenSpec spec) {
        return sign(spec, accessTokenClaims(spec), spec.typ);
    }

    /** An ID token as IdentityServer4 issues it to {@code spec.clientId}: {@code aud} = that client, {@code typ} JWT. */
    public String idToken(TokenSpec spec) {
        Map<String, Object> claims = commonClaims(spec);
        claims.put("aud", spec.clientId);
        claims.put("sid", randomHandle(16));
        if (spec.includeProfileClaims) {
            claims.putAll(spec.user.profileClaims());
        }
        return sign(spec, finish(spec, claims), "JWT");
    }

    /** A reference (opaque) token: a random handle whose claims only introspection reveals. */
    public String referenceToken(TokenSpec spec) {
        String handle = randomHandle(32);
        referenceTokens.put(handle, accessTokenClaims(spec));
        return handle;
    }

    /** Revokes a reference token: introspection reports it inactive from now on. */
    public void revoke(String referenceToken) {
        referenceTokens.remove(referenceToken);
    }

    private Map<String, Object> accessTokenClaims(TokenSpec spec) {
        Map<String, Object> claims = commonClaims(spec);
        switch (spec.audience) {
            case NONE -> { }
            case STATIC_RESOURCES -> claims.put("aud", issuerOf(spec) + "/resources");
            case API_RESOURCES -> claims.put("aud", spec.apiResources.size() == 1 ? spec.apiResources.get(0) : spec.apiResources);
        }
        claims.put("client_id", spec.clientId);
        claims.put("jti", UUID.randomUUID().toString().replace("-", "").toUpperCase());
        claims.put("scope", spec.scopeAsString ? String.join(" ", spec.scopes) : spec.scopes);
        if (spec.includeProfileClaims) {
            spec.user.profileClaims().forEach(claims::putIfAbsent);
        }
        return finish(spec, claims);
    }

    private Map<String, Object> commonClaims(TokenSpec spec) {
        long now = TestbedClock.now() + spec.issuedAtShiftSeconds;
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("iss", issuerOf(spec));
        claims.put("nbf", spec.notBeforeShiftSeconds == null ? now : now + spec.notBeforeShiftSeconds);
        claims.put("iat", now);
        claims.put("exp", now + spec.lifetimeSeconds);
        if (spec.user != null) {
            claims.put("sub", spec.user.subject());
            claims.put("auth_time", now);
            claims.put("idp", "local");
            claims.put("amr", List.of("pwd"));
        }
        return claims;
    }

    private Map<String, Object> finish(TokenSpec spec, Map<String, Object> claims) {
        claims.putAll(spec.extraClaims);
        spec.omittedClaims.forEach(claims::remove);
        return claims;
    }

    private String issuerOf(TokenSpec spec) {
        return spec.issuerOverride != null ? spec.issuerOverride : issuer;
    }

    private String sign(TokenSpec spec, Map<String, Object> claims, String typ) {
        SigningKeys.SigningKey key = spec.signing == TokenSpec.Signing.RS256_UNPUBLISHED_KEY ? SigningKeys.unpublished() : keys.current();
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("alg", "RS256");
        header.put("kid", key.kid());
        header.put("typ", typ);
        header.putAll(spec.extraHeaders);
        return switch (spec.signing) {
            case RS256_PUBLISHED, RS256_UNPUBLISHED_KEY -> spec.trailingPayload == null
                    ? JwtWriter.rs256(header, claims, key.keyPair().getPrivate())
                    : JwtWriter.rs256(header, Exchanges.toJson(claims) + spec.trailingPayload, key.keyPair().getPrivate());
            case NONE -> {
                header.put("alg", "none");
                yield JwtWriter.unsigned(header, claims);
            }
            case HS256_WITH_PUBLIC_KEY -> {
                header.put("alg", "HS256");
                yield JwtWriter.hs256(header, claims, key.publicKey().getEncoded());
            }
            case TAMPERED_PAYLOAD -> {
                String honest = JwtWriter.rs256(header, claims, key.keyPair().getPrivate());
                Map<String, Object> forged = new LinkedHashMap<>(claims);
                forged.put("sub", "1");
                String[] parts = honest.split("\\.");
                yield parts[0] + "." + JwtWriter.base64Url(Exchanges.toJson(forged)) + "." + parts[2];
            }
        };
    }

    // ---- HTTP endpoints -------------------------------------------------------------------------------------

    private void discoveryOrJwks(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        if (path.endsWith("/jwks")) {
            jwksRequests.incrementAndGet();
            if (!faulted(Upstream.JWKS, exchange)) {
                Exchanges.json(exchange, 200, keys.jwks());
            }
            return;
        }
        Map<String, Object> discovery = new LinkedHashMap<>();
        discovery.put("issuer", issuer);
        discovery.put("jwks_uri", jwksUri());
        discovery.put("authorization_endpoint", issuer + "/connect/authorize");
        discovery.put("token_endpoint", tokenEndpoint());
        discovery.put("userinfo_endpoint", userInfoEndpoint());
        discovery.put("end_session_endpoint", issuer + "/connect/endsession");
        discovery.put("check_session_iframe", issuer + "/connect/checksession");
        discovery.put("revocation_endpoint", issuer + "/connect/revocation");
        discovery.put("introspection_endpoint", introspectionEndpoint());
        discovery.put("frontchannel_logout_supported", true);
        discovery.put("backchannel_logout_supported", true);
        discovery.put("scopes_supported", List.of("openid", "profile", "email", "arcgis.read", "offline_access"));
        discovery.put("claims_supported", List.of("sub", "name", "given_name", "family_name", "preferred_username", "email", "email_verified"));
        discovery.put("grant_types_supported", List.of("authorization_code", "client_credentials", "refresh_token", "implicit", "password"));
        discovery.put("response_types_supported", List.of("code", "token", "id_token", "id_token token", "code id_token"));
        discovery.put("token_endpoint_auth_methods_supported", List.of("client_secret_basic", "client_secret_post"));
        discovery.put("id_token_signing_alg_values_supported", List.of("RS256"));
        discovery.put("subject_types_supported", List.of("public"));
        discovery.put("code_challenge_methods_supported", List.of("plain", "S256"));
        Exchanges.json(exchange, 200, discovery);
    }

    private void token(HttpExchange exchange) throws IOException {
        Map<String, String> form = Exchanges.params(exchange);
        String grantType = form.getOrDefault("grant_type", "");
        if (grantType.equals("authorization_code")) {
            browserSignIn.redeem(exchange, form);
        } else if (grantType.equals("password")) {
            TestUser user = users.get(form.getOrDefault("username", ""));
            if (!"map-spa".equals(form.get("client_id")) || user == null || !user.password().equals(form.get("password"))) {
                Exchanges.json(exchange, 400, Map.of("error", "invalid_grant"));
                return;
            }
            TokenSpec spec = TokenSpec.forUser(user).clientId("map-spa");
            if (form.containsKey("scope")) {
                spec.scopes(form.get("scope").split(" "));
            }
            // Testbed conveniences for benchmarks: an explicit audience, or a reference token instead of a JWT.
            if (form.containsKey("audience")) {
                spec.apiResources(form.get("audience"));
            }
            boolean reference = "reference".equals(form.get("token_format"));
            Map<String, Object> response = new LinkedHashMap<>();
            if (spec.scopes.contains("openid")) {
                response.put("id_token", idToken(TokenSpec.forUser(user).clientId("map-spa")));
            }
            response.put("access_token", reference ? referenceToken(spec) : accessToken(spec));
            response.put("expires_in", spec.lifetimeSeconds);
            response.put("token_type", "Bearer");
            response.put("scope", String.join(" ", spec.scopes));
            Exchanges.json(exchange, 200, response);
        } else if (grantType.equals("client_credentials")) {
            if (!SERVICE_CLIENT.equals(form.get("client_id")) || !SERVICE_CLIENT_SECRET.equals(form.get("client_secret"))) {
                Exchanges.json(exchange, 400, Map.of("error", "invalid_client"));
                return;
            }
            TokenSpec spec = new TokenSpec().user(null).clientId(SERVICE_CLIENT).scopes("arcgis.read");
            Exchanges.json(exchange, 200, Map.of("access_token", accessToken(spec), "expires_in", spec.lifetimeSeconds,
                    "token_type", "Bearer", "scope", "arcgis.read"));
        } else {
            Exchanges.json(exchange, 400, Map.of("error", "unsupported_grant_type"));
        }
    }

    private void introspect(HttpExchange exchange) throws IOException {
        introspectionRequests.incrementAndGet();
        if (faulted(Upstream.INTROSPECTION, exchange)) {
            return;
        }
        String expected = "Basic " + Base64.getEncoder().encodeToString((API_NAME + ":" + apiSecret).getBytes(StandardCharsets.UTF_8));
        if (!expected.equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
            exchange.sendResponseHeaders(401, -1);
            exchange.close();
            return;
        }
        Map<String, Object> claims = referenceTokens.get(Exchanges.params(exchange).getOrDefault("token", ""));
        if (claims == null || ((Number) claims.get("exp")).longValue() <= TestbedClock.now()) {
            Exchanges.json(exchange, 200, Map.of("active", false));
            return;
        }
        Map<String, Object> response = new LinkedHashMap<>(claims);
        Object scope = claims.get("scope");
        // IdentityServer4's introspection response always carries scope as a space-delimited string.
        response.put("scope", scope instanceof List<?> list ? String.join(" ", list.stream().map(String::valueOf).toList()) : scope);
        response.put("active", true);
        Exchanges.json(exchange, 200, response);
    }

    private void userInfo(HttpExchange exchange) throws IOException {
        userInfoRequests.incrementAndGet();
        if (faulted(Upstream.USERINFO, exchange)) {
            return;
        }
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        TestUser user = authorization == null ? null : userOf(authorization.replaceFirst("^Bearer ", ""));
        if (user == null) {
            exchange.getResponseHeaders().add("WWW-Authenticate", "Bearer error=\"invalid_token\"");
            exchange.sendResponseHeaders(401, -1);
            exchange.close();
            return;
        }
        Exchanges.json(exchange, 200, user.profileClaims());
    }

    /** The user a token we issued belongs to; userinfo trusts only tokens it can look up or whose signature is ours. */
    private TestUser userOf(String token) {
        Map<String, Object> claims = referenceTokens.get(token);
        if (claims == null) {
            claims = TokenReader.verifiedClaims(token, keys);
        }
        if (claims == null) {
            return null;
        }
        Object subject = claims.get("sub");
        return users.values().stream().filter(u -> u.subject().equals(subject)).findFirst().orElse(null);
    }

    private boolean faulted(Upstream upstream, HttpExchange exchange) throws IOException {
        return faults.getOrDefault(upstream, Fault.NONE).answer(exchange);
    }

    /** IdentityServer4 reference-token handles are upper-case hex. */
    private static String randomHandle(int bytes) {
        byte[] random = new byte[bytes];
        RANDOM.nextBytes(random);
        StringBuilder hex = new StringBuilder();
        for (byte b : random) {
            hex.append(String.format("%02X", b));
        }
        return hex.toString();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
