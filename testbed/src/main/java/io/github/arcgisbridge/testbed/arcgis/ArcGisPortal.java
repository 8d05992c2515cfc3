package io.github.arcgisbridge.testbed.arcgis;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

import io.github.arcgisbridge.testbed.http.Exchanges;
import io.github.arcgisbridge.testbed.http.Fault;

/**
 * An emulated ArcGIS portal (ArcGIS Online organisation or ArcGIS Enterprise portal) with one OpenID Connect login,
 * its OAuth 2.0 endpoints under {@code sharing/rest}, {@code community/self}, {@code portals/self} and a secured
 * hosted feature layer. Which behaviours follow Esri's documentation and which are assumptions is listed in
 * {@code testbed/README.md}. Tests run it in-process; the local run starts it with {@link Main}.
 */
public final class ArcGisPortal implements AutoCloseable {

    /** An app registered in the portal (the app's own OAuth client at ArcGIS). */
    public record App(String clientId, String secret, Set<String> redirectUris) {
        public App {
            redirectUris = Set.copyOf(redirectUris);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(8);
    private final String baseUrl;
    private final String urlKey;
    private final String name;
    private final String orgId = UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    private final String idpId = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    private final Map<String, App> apps = new ConcurrentHashMap<>();
    private final Map<String, Member> membersByIdpUserId = new ConcurrentHashMap<>();
    private final PortalTokens tokens = new PortalTokens(this);
    private final OrganizationSignIn signIn = new OrganizationSignIn(this);
    private final SecuredFeatureService featureService = new SecuredFeatureService(tokens);
    private volatile OidcLoginSettings oidcLogin;
    private volatile Fault fault = Fault.NONE;

    private ArcGisPortal(HttpServer server, String urlKey, String name) {
        this.server = server;
        this.baseUrl = "http://localhost:" + server.getAddress().getPort();
        this.urlKey = urlKey;
        this.name = name;
        server.setExecutor(executor);
        server.createContext("/sharing/rest/oauth2/authorize", signIn::authorize);
        server.createContext("/sharing/rest/oauth2/oidc/", this::oidc);
        server.createContext("/sharing/rest/oauth2/token", tokens::handle);
        server.createContext("/sharing/rest/community/self", cors(this::communitySelf));
        server.createContext("/sharing/rest/portals/self", cors(this::portalsSelf));
        server.createContext("/rest/services/" + SecuredFeatureService.NAME + "/FeatureServer", cors(featureService::handle));
        server.createContext("/rest/info", cors(this::restInfo));
        server.createContext("/emulator/stats", this::stats);
    }

    /** Adds the demo app pages ({@code /app/}) for watching a sign-in in a browser; returns their start URL. */
    public String mountDemoApp() {
        DemoApp.mount(this, server);
        return baseUrl + "/app/";
    }

    /** Starts on loopback; port 0 picks a free one. */
    public static ArcGisPortal start(int port, String urlKey, String name) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        ArcGisPortal portal = new ArcGisPortal(server, urlKey, name);
        server.start();
        return portal;
    }

    public String baseUrl() { return baseUrl; }
    public String sharingRest() { return baseUrl + "/sharing/rest"; }
    public String urlKey() { return urlKey; }
    public String name() { return name; }
    public String idpId() { return idpId; }
    public String featureLayerUrl() { return baseUrl + "/rest/services/" + SecuredFeatureService.NAME + "/FeatureServer/0"; }
    public int featureCount() { return featureService.featureCount(); }
    /** Requests per grant type received at {@code oauth2/token}. */
    public int tokenRequests(String grantType) { return tokens.grants(grantType); }

    /** The redirect URI ArcGIS shows after saving the OpenID Connect login, to register at the IdP. */
    public String oidcRedirectUri() {
        return sharingRest() + "/oauth2/oidc/" + idpId + "/signin";
    }

    /** Saves the organisation's OpenID Connect login after checking it against the IdP's discovery document. */
    public void configureOidcLogin(OidcLoginSettings settings) {
        ProviderDiscovery.check(settings);
        this.oidcLogin = settings;
    }

    OidcLoginSettings oidcLogin() {
        return oidcLogin;
    }

    public void registerApp(App app) {
        apps.put(app.clientId(), app);
    }

    App app(String clientId) {
        return clientId == null ? null : apps.get(clientId);
    }

    PortalTokens tokens() {
        return tokens;
    }

    /** Makes the endpoints a token holder's server calls ({@code oauth2/token}, {@code community/self}) misbehave. */
    public void fault(Fault fault) {
        this.fault = fault;
    }

    Fault fault() {
        return fault;
    }

    /** Invalidates a member's refresh tokens, as revoking the app's access in ArcGIS does. */
    public void revokeRefreshTokens(String username) {
        tokens.revokeRefreshTokensOf(username);
    }

    /** Makes newly issued user tokens live this long (ArcGIS: 30 minutes by default). */
    public void userTokenSeconds(int seconds) {
        tokens.userTokenSeconds(seconds);
    }

    public List<Member> members() {
        return new ArrayList<>(membersByIdpUserId.values());
    }

    /** The member an OpenID Connect identity maps to: found by the IdP's user identifier, else created when joining is automatic. */
    Member memberFor(String idpUserId, String usernameClaimValue, String fullName, String email, boolean joinAutomatically) {
        Member existing = membersByIdpUserId.get(idpUserId);
        if (existing != null) {
            return existing;
        }
        if (!joinAutomatically) {
            throw new SignInException("You are not a member of this organization. Ask an administrator for an invitation.");
        }
        // ArcGIS keeps its members: derive the id from the identity, so an emulator restart gives the same member id.
        String memberId = UUID.nameUUIDFromBytes((urlKey + "/" + idpUserId).getBytes(StandardCharsets.UTF_8)).toString().replace("-", "");
        return membersByIdpUserId.computeIfAbsent(idpUserId, id -> new Member(memberId, usernameClaimValue + "_" + urlKey, id, fullName, email));
    }

    private void oidc(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String prefix = "/sharing/rest/oauth2/oidc/" + idpId + "/";
        if (path.equals(prefix + "authorize")) {
            signIn.startAtProvider(exchange);
        } else if (path.equals(prefix + "signin")) {
            signIn.callback(exchange);
        } else {
            Exchanges.html(exchange, 404, "<h1>Not found</h1>");
        }
    }

    /**
     * Browser apps on other origins call the portal and its services directly, as with ArcGIS Online: answer CORS
     * preflights and allow any origin (the token, not a cookie, authorises).
     */
    private static HttpHandler cors(HttpHandler handler) {
        return exchange -> {
            exchange.getResponseHeaders().add("Access-Control-Allow-Origin", "*");
            if ("OPTIONS".equals(exchange.getRequestMethod())) {
                exchange.getResponseHeaders().add("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
                exchange.getResponseHeaders().add("Access-Control-Allow-Headers", "Authorization, X-Esri-Authorization, Content-Type");
                exchange.sendResponseHeaders(204, -1);
                exchange.close();
                return;
            }
            handler.handle(exchange);
        };
    }

    /** Not ArcGIS: the emulator's counters, for measurements (requests per grant type, feature queries). */
    private void stats(HttpExchange exchange) throws IOException {
        Map<String, Object> stats = new LinkedHashMap<>();
        for (String grant : List.of("authorization_code", "refresh_token", "exchange_refresh_token", "client_credentials")) {
            stats.put(grant, tokens.grants(grant));
        }
        stats.put("featureQueries", featureService.queries());
        Exchanges.json(exchange, 200, stats);
    }

    /** {@code rest/info}: a federated server, owned by this portal, whose token service is the portal's. */
    private void restInfo(HttpExchange exchange) throws IOException {
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("currentVersion", 11.3);
        info.put("fullVersion", "11.3.0");
        info.put("owningSystemUrl", baseUrl);
        info.put("authInfo", Map.of("isTokenBasedSecurity", true, "tokenServicesUrl", sharingRest() + "/generateToken"));
        Exchanges.json(exchange, 200, info);
    }

    private void communitySelf(HttpExchange exchange) throws IOException {
        if (fault.answer(exchange)) {
            return;
        }
        Map<String, String> params = Exchanges.params(exchange);
        String token = params.get("token");
        String header = exchange.getRequestHeaders().getFirst("X-Esri-Authorization");
        if (token == null && header != null && header.startsWith("Bearer ")) {
            token = header.substring(7);
        }
        PortalTokens.Issued issued = tokens.lookUp(token);
        if (token == null || issued == null || issued.username() == null) {
            Exchanges.json(exchange, 200, Map.of("error", Map.of("code", token == null ? 499 : 498,
                    "message", token == null ? "Token Required" : "Invalid token.", "details", List.of())));
            return;
        }
        Member member = membersByIdpUserId.values().stream().filter(m -> m.username().equals(issued.username())).findFirst().orElseThrow();
        Map<String, Object> self = new LinkedHashMap<>();
        self.put("username", member.username());
        self.put("id", member.id());
        self.put("fullName", member.fullName());
        self.put("email", member.email());
        self.put("orgId", orgId);
        self.put("role", "org_user");
        self.put("idpUsername", member.idpUserId());
        Exchanges.json(exchange, 200, self);
    }

    private void portalsSelf(HttpExchange exchange) throws IOException {
        Map<String, Object> self = new LinkedHashMap<>();
        self.put("id", orgId);
        self.put("urlKey", urlKey);
        self.put("name", name);
        self.put("isPortal", false);
        self.put("allSSL", false);
        Exchanges.json(exchange, 200, self);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
