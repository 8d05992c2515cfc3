package io.github.arcgisbridge.testbed.arcgis;

import java.io.IOException;
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

import io.github.arcgisbridge.testbed.clock.ClockEndpoint;
import io.github.arcgisbridge.testbed.http.Cors;
import io.github.arcgisbridge.testbed.http.Exchanges;
import io.github.arcgisbridge.testbed.http.Fault;

/**
 * An emulated ArcGIS portal: an ArcGIS Online organisation ({@link #start}) or an ArcGIS Enterprise portal with a
 * federated ArcGIS Server ({@link #startEnterprise}), with one OpenID Connect login, the OAuth 2.0 endpoints under
 * {@code sharing/rest/oauth2}, {@code generateToken}, {@code community/self}, {@code portals/self} and a secured
 * feature layer. Which behaviours follow Esri's documentation, and which are assumptions, is listed with sources in
 * {@code testbed/README.md}. Every expiry reads the {@link io.github.arcgisbridge.testbed.clock.TestbedClock}. Tests
 * run it in-process; the local run starts it with {@link Main}.
 */
public final class ArcGisPortal implements AutoCloseable {

    /** An app registered in the portal (the app's own OAuth client at ArcGIS). */
    public record App(String clientId, String secret, Set<String> redirectUris) {
        public App {
            redirectUris = Set.copyOf(redirectUris);
        }
    }

    /** The endpoints that can be given a {@link Fault}. */
    public enum Endpoint { TOKEN, REVOKE_TOKEN, COMMUNITY_SELF, PORTALS_SELF, GENERATE_TOKEN }

    /** The organisation id of every ArcGIS Enterprise portal (as in Esri's {@code portals/0123456789ABCDEF/...} URLs). */
    private static final String ENTERPRISE_ORG_ID = "0123456789ABCDEF";

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(8);
    private final Deployment deployment;
    private final String idpId;
    private final Map<String, App> apps = new ConcurrentHashMap<>();
    private final Map<Endpoint, Fault> faults = new ConcurrentHashMap<>();
    private final MemberDirectory directory;
    private final TokenStore tokens = new TokenStore();
    private final ArcGisErrors errors = new ArcGisErrors();
    private final EmulatorStats stats = new EmulatorStats();
    private final SignInPage signInPage = new SignInPage(this);
    private final TokenEndpoint tokenEndpoint = new TokenEndpoint(this);
    private final FederatedServer federatedServer;
    private volatile OidcLoginSettings oidcLogin;

    private ArcGisPortal(HttpServer server, boolean enterprise, Organization organization, String idpId) {
        this.server = server;
        this.idpId = idpId;
        this.deployment = new Deployment("http://localhost:" + server.getAddress().getPort(), enterprise);
        this.directory = new MemberDirectory(organization);
        this.federatedServer = new FederatedServer(this, deployment.serverRoot(), !enterprise);
        server.setExecutor(executor);
        OrganizationSignIn organizationSignIn = new OrganizationSignIn(this);
        SelfResources self = new SelfResources(this);
        String rest = deployment.portalContext() + "/sharing/rest";
        mount(rest + "/oauth2/authorize", signInPage::authorize);
        mount(rest + SignInPage.ARCGIS_LOGIN_PATH, signInPage::arcGisLogin);
        mount(rest + "/oauth2/oidc/" + idpId + "/authorize", organizationSignIn::startAtProvider);
        mount(rest + "/oauth2/oidc/" + idpId + "/signin", organizationSignIn::callback);
        mount(rest + "/oauth2/token", Cors.anyOrigin(tokenEndpoint::handle));
        mount(rest + "/oauth2/revokeToken", Cors.anyOrigin(new RevokeTokenEndpoint(this)::handle));
        mount(rest + "/generateToken", Cors.anyOrigin(new GenerateTokenEndpoint(this)::handle));
        mount(rest + "/community/self", Cors.anyOrigin(faulty(Endpoint.COMMUNITY_SELF, self::community)));
        mount(rest + "/portals/self", Cors.anyOrigin(faulty(Endpoint.PORTALS_SELF, self::portal)));
        mount(rest + "/info", Cors.anyOrigin(this::sharingInfo));
        mount(deployment.serverContext() + "/rest/info", Cors.anyOrigin(federatedServer::info));
        mount(deployment.serverContext() + "/rest/services/" + SecuredFeatureService.NAME + "/FeatureServer",
                Cors.anyOrigin(federatedServer.featureService()::handle));
        mount("/emulator/stats", stats::handle);
        mount("/emulator/clock", new ClockEndpoint());
    }

    /** An ArcGIS Online organisation on loopback, its portal at the root; port 0 picks a free one. */
    public static ArcGisPortal start(int port, String urlKey, String name) throws IOException {
        return start(port, urlKey, name, randomIdpId());
    }

    /**
     * As {@link #start(int, String, String)}, with the OpenID Connect login's id given: ArcGIS assigns it when the
     * login is saved, but a standalone run ({@link Main}) must register the redirect URI that contains it at an IdP
     * started before the emulator.
     */
    static ArcGisPortal start(int port, String urlKey, String name, String idpId) throws IOException {
        String orgId = UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        return started(Exchanges.loopbackServer(port), false, new Organization(orgId, urlKey, name), idpId);
    }

    /**
     * An ArcGIS Enterprise portal on loopback at {@code /portal} (its sharing API at {@code /portal/sharing/rest}),
     * with a federated ArcGIS Server at {@code /server}; port 0 picks a free one.
     */
    public static ArcGisPortal startEnterprise(int port, String name) throws IOException {
        return startEnterprise(port, name, randomIdpId());
    }

    /** As {@link #startEnterprise(int, String)}, with the login's id given (see {@link #start(int, String, String, String)}). */
    static ArcGisPortal startEnterprise(int port, String name, String idpId) throws IOException {
        return started(Exchanges.loopbackServer(port), true, new Organization(ENTERPRISE_ORG_ID, null, name), idpId);
    }

    /** A login id as ArcGIS assigns one when the login is saved. */
    static String randomIdpId() {
        return UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    }

    private static ArcGisPortal started(HttpServer server, boolean enterprise, Organization organization, String idpId) {
        ArcGisPortal portal = new ArcGisPortal(server, enterprise, organization, idpId);
        server.start();
        return portal;
    }

    /** Adds the demo app pages ({@code /app/}) for watching a sign-in in a browser; returns their start URL. */
    public String mountDemoApp() {
        DemoApp app = new DemoApp(this);
        registerApp(app.registration());
        mount("/app/", app::handle);
        return app.startUrl();
    }

    public boolean isEnterprise() { return deployment.enterprise(); }
    /** The "Portal URL" an administrator enters: {@code http://localhost:P}, or {@code http://localhost:P/portal} on Enterprise. */
    public String baseUrl() { return deployment.baseUrl(); }
    public String sharingRest() { return deployment.sharingRest(); }
    /** The federated ArcGIS Server's root ({@code http://localhost:P/server}); null for ArcGIS Online. */
    public String federatedServerUrl() { return isEnterprise() ? federatedServer.root() : null; }
    /** The secured layer: hosted beside an Online portal, on the federated server of an Enterprise one. */
    public String featureLayerUrl() { return federatedServer.featureLayerUrl(); }
    public String urlKey() { return directory.home().urlKey(); }
    public String name() { return directory.home().name(); }
    public String orgId() { return directory.home().id(); }
    public String idpId() { return idpId; }
    public int featureCount() { return federatedServer.featureService().featureCount(); }
    /** Requests per grant type received at {@code oauth2/token}. */
    public int tokenRequests(String grantType) { return stats.grants(grantType); }
    /** {@code oauth2/revokeToken} requests that revoked a token. */
    public int revocations() { return stats.revocations(); }
    public int generateTokenRequests() { return stats.generateTokenRequests(); }
    /** Requests, to any endpoint, that carried a token in the URL's query string. */
    public int tokensInUrl() { return stats.tokensInUrl(); }
    /** The {@code expiration} of the last {@code oauth2/authorize} request; null when it had none. */
    public Integer lastRequestedExpiration() { return signInPage.lastRequestedExpiration(); }

    /** The redirect URI ArcGIS shows after saving the OpenID Connect login, to register at the IdP. */
    public String oidcRedirectUri() {
        return sharingRest() + "/oauth2/oidc/" + idpId + "/signin";
    }

    /** Saves the organisation's OpenID Connect login after checking it against the IdP's discovery document. */
    public void configureOidcLogin(OidcLoginSettings settings) {
        ProviderDiscovery.check(settings);
        this.oidcLogin = settings;
    }

    public void registerApp(App app) {
        apps.put(app.clientId(), app);
    }

    /**
     * A built-in ArcGIS account ("ArcGIS login"): of this organisation when {@code orgId} is {@link #orgId()}, of
     * another organisation otherwise.
     */
    public void addArcGisAccount(String username, String password, String fullName, String email, String orgId) {
        directory.addArcGisAccount(username, password, fullName, email, orgId);
    }

    /**
     * Off (the default): the sign-in page is the organisation's, and refuses other organisations' accounts. On: it
     * behaves like www.arcgis.com, a portal URL without an organisation, where any account signs in.
     */
    public void acceptsAccountsOfOtherOrganizations(boolean accepts) {
        directory.acceptsOtherOrganizations(accepts);
    }

    /** The organisation's token lifetime limit in minutes ({@code portals/self}); -1, the default, for none. */
    public void maxTokenExpirationMinutes(int minutes) {
        directory.home().maxTokenExpirationMinutes(minutes);
    }

    /** Errors inside HTTP 200 (false, the default, as Esri's clients expect) or with the error code as HTTP status. */
    public void errorsWithHttpStatus(boolean on) {
        errors.withHttpStatus(on);
    }

    /** Makes the endpoints a token holder's server calls ({@code oauth2/token}, {@code community/self}) misbehave. */
    public void fault(Fault fault) {
        fault(Endpoint.TOKEN, fault);
        fault(Endpoint.COMMUNITY_SELF, fault);
    }

    public void fault(Endpoint endpoint, Fault fault) {
        faults.put(endpoint, fault);
    }

    /**
     * Undoes every test setting (faults, other organisations' accounts, the token lifetime limit, HTTP status errors,
     * short member tokens): what tests sharing one portal call between them. Members, apps and tokens stay.
     */
    public void restoreTestSettings() {
        faults.clear();
        acceptsAccountsOfOtherOrganizations(false);
        maxTokenExpirationMinutes(-1);
        errorsWithHttpStatus(false);
        userTokenSeconds(TokenLifetimes.USER_ACCESS_TOKEN_SECONDS);
    }

    /** Invalidates a member's refresh tokens and the access tokens obtained with them, as revoking the app's access in ArcGIS does. */
    public void revokeRefreshTokens(String username) {
        tokens.revokeRefreshTokensOf(username);
    }

    /** A test setting: member access tokens live this long (at most, and by default, ArcGIS's 30 minutes). */
    public void userTokenSeconds(int seconds) {
        tokenEndpoint.userTokenSeconds(seconds);
    }

    /** This organisation's members: those its OpenID Connect login created and its built-in accounts. */
    public List<Member> members() {
        return directory.members();
    }

    Deployment deployment() { return deployment; }
    OidcLoginSettings oidcLogin() { return oidcLogin; }
    MemberDirectory directory() { return directory; }
    TokenStore tokens() { return tokens; }
    ArcGisErrors errors() { return errors; }
    EmulatorStats stats() { return stats; }
    SignInPage signInPage() { return signInPage; }
    FederatedServer federatedServer() { return federatedServer; }

    App app(String clientId) {
        return clientId == null ? null : apps.get(clientId);
    }

    Fault fault(Endpoint endpoint) {
        return faults.getOrDefault(endpoint, Fault.NONE);
    }

    /** Every context counts requests that carry a token in the URL, whatever the endpoint. */
    private void mount(String path, HttpHandler handler) {
        server.createContext(path, exchange -> {
            if (RequestToken.inUrl(exchange.getRequestURI())) {
                stats.tokenInUrl();
            }
            handler.handle(exchange);
        });
    }

    private HttpHandler faulty(Endpoint endpoint, HttpHandler handler) {
        return exchange -> fault(endpoint).serve(exchange, handler);
    }

    /** {@code sharing/rest/info}: the portal's token service, where arcgis-rest-js looks it up before {@code generateToken}. */
    private void sharingInfo(HttpExchange exchange) throws IOException {
        Exchanges.json(exchange, 200, Map.of("owningSystemUrl", baseUrl(),
                "authInfo", Map.of("isTokenBasedSecurity", true, "tokenServicesUrl", sharingRest() + "/generateToken")));
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
