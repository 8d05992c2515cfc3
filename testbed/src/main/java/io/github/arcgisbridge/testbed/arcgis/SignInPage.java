package io.github.arcgisbridge.testbed.arcgis;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.sun.net.httpserver.HttpExchange;

import io.github.arcgisbridge.testbed.http.Exchanges;

/**
 * {@code oauth2/authorize}: checks the app's request and shows the organisation's sign-in page, with its OpenID
 * Connect login button ({@link OrganizationSignIn} takes it from there) and the "ArcGIS login" form for built-in
 * accounts, which posts to {@code oauth2/signin}. Either way the app gets an authorization code at its redirect URI.
 */
final class SignInPage {

    static final String ARCGIS_LOGIN_PATH = "/oauth2/signin";

    private final ArcGisPortal portal;
    private final Map<String, AppRequest> pending = new ConcurrentHashMap<>();
    private volatile Integer lastRequestedExpiration;

    SignInPage(ArcGisPortal portal) {
        this.portal = portal;
    }

    Integer lastRequestedExpiration() {
        return lastRequestedExpiration;
    }

    /** {@code GET oauth2/authorize}. */
    void authorize(HttpExchange exchange) throws IOException {
        Map<String, String> query = Exchanges.query(exchange.getRequestURI());
        Integer expiration = TokenLifetimes.requested(query.get("expiration"));
        lastRequestedExpiration = expiration;
        ArcGisPortal.App app = portal.app(query.get("client_id"));
        String redirectUri = query.get("redirect_uri");
        if (app == null || redirectUri == null || !app.redirectUris().contains(redirectUri)) {
            Exchanges.html(exchange, 400, "<h1>Invalid redirect_uri</h1>");
            return;
        }
        if (!"code".equals(query.get("response_type"))) {
            Exchanges.html(exchange, 400, "<h1>Unsupported response_type</h1>");
            return;
        }
        String requestId = Exchanges.random(16);
        pending.put(requestId, new AppRequest(app, redirectUri, query.get("state"), query.get("code_challenge"), expiration));
        page(exchange, requestId, null);
    }

    /** {@code POST oauth2/signin}: the ArcGIS login form. A refusal shows the page again with ArcGIS's message. */
    void arcGisLogin(HttpExchange exchange) throws IOException {
        Map<String, String> form = Exchanges.params(exchange);
        String requestId = form.getOrDefault("request", "");
        if (!"POST".equals(exchange.getRequestMethod()) || !pending.containsKey(requestId)) {
            expired(exchange);
            return;
        }
        Member member;
        try {
            member = portal.directory().arcGisLogin(form.get("username"), form.get("password"));
        } catch (SignInException e) {
            page(exchange, requestId, e.getMessage());
            return;
        }
        AppRequest request = take(requestId);
        if (request == null) {
            expired(exchange);
            return;
        }
        signedIn(exchange, request, member);
    }

    /** The app request a sign-in continues, once. */
    AppRequest take(String requestId) {
        return requestId == null ? null : pending.remove(requestId);
    }

    /** The member is signed in: back to the app with an authorization code. */
    void signedIn(HttpExchange exchange, AppRequest request, Member member) throws IOException {
        Exchanges.redirect(exchange, request.redirectWithCode(portal.tokens().newCode(member.username(), request)));
    }

    /** A sign-in step whose app request is gone (used, or never made). */
    static void expired(HttpExchange exchange) throws IOException {
        Exchanges.html(exchange, 400, "<h1 id=\"error\">The sign-in has expired. Start again.</h1>");
    }

    private void page(HttpExchange exchange, String requestId, String error) throws IOException {
        StringBuilder page = new StringBuilder("<h1>Sign in to ").append(Exchanges.escapeHtml(portal.name())).append("</h1>");
        if (error != null) {
            page.append("<p id=\"error\">").append(Exchanges.escapeHtml(error)).append("</p>");
        }
        OidcLoginSettings login = portal.oidcLogin();
        if (login != null) {
            page.append("<a id=\"oidc-login\" href=\"").append(portal.sharingRest()).append("/oauth2/oidc/").append(portal.idpId())
                    .append("/authorize?request=").append(requestId).append("\">")
                    .append(Exchanges.escapeHtml(login.buttonLabel())).append("</a>");
        }
        page.append("<h2>ArcGIS login</h2><form id=\"arcgis-login\" method=\"post\" action=\"").append(portal.sharingRest())
                .append(ARCGIS_LOGIN_PATH).append("\">")
                .append("<input type=\"hidden\" name=\"request\" value=\"").append(requestId).append("\">")
                .append("<label>Username <input name=\"username\" id=\"username\"></label>")
                .append("<label>Password <input name=\"password\" id=\"password\" type=\"password\"></label>")
                .append("<button id=\"arcgis-login-submit\" type=\"submit\">Sign In</button></form>");
        Exchanges.html(exchange, 200, page.toString());
    }
}
