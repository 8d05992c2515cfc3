package io.github.arcgisbridge.testbed.arcgis;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import com.sun.net.httpserver.HttpExchange;

import io.github.arcgisbridge.testbed.http.Exchanges;

/**
 * The self resources: {@code community/self}, the member a token belongs to (Esri, "Self" and "User"), and
 * {@code portals/self}, "the view of the portal as seen by the current user, whether anonymous or signed in"
 * (Esri, "Portal Self"): the organisation's public view, or the signed-in member's own organisation.
 */
final class SelfResources {

    /**
     * The Sharing API version of ArcGIS Enterprise 11.3 (Esri's "Root" example); the ArcGIS Maps SDK for JavaScript
     * signs in with PKCE only from 8.4 on.
     */
    static final String CURRENT_VERSION = "2024.1";

    private final ArcGisPortal portal;

    SelfResources(ArcGisPortal portal) {
        this.portal = portal;
    }

    /** {@code community/self}, GET or POST. */
    void community(HttpExchange exchange) throws IOException {
        String token = RequestToken.of(exchange, Exchanges.params(exchange));
        if (token == null) {
            portal.errors().tokenRequired(exchange);
            return;
        }
        TokenStore.AccessGrant grant = portal.tokens().access(token);
        // An app token names no member (assumed: it is refused like an invalid one).
        if (grant == null || grant.username() == null) {
            portal.errors().invalidToken(exchange);
            return;
        }
        Exchanges.json(exchange, 200, user(portal.directory().byUsername(grant.username())));
    }

    /** {@code portals/self}, GET or POST, anonymous or with a token. */
    void portal(HttpExchange exchange) throws IOException {
        String token = RequestToken.of(exchange, Exchanges.params(exchange));
        if (token == null) {
            Exchanges.json(exchange, 200, view(portal.directory().home(), null));
            return;
        }
        TokenStore.AccessGrant grant = portal.tokens().access(token);
        if (grant == null) {
            portal.errors().invalidToken(exchange);
            return;
        }
        Member member = grant.username() == null ? null : portal.directory().byUsername(grant.username());
        Exchanges.json(exchange, 200, view(member == null ? portal.directory().home() : portal.directory().organizationOf(member), member));
    }

    private Map<String, Object> view(Organization organization, Member member) {
        Map<String, Object> self = new LinkedHashMap<>();
        self.put("id", organization.id());
        if (organization.urlKey() != null) {
            self.put("urlKey", organization.urlKey());
        }
        self.put("name", organization.name());
        self.put("isPortal", portal.isEnterprise());
        self.put("portalHostname", portal.deployment().portalHostname());
        self.put("customBaseUrl", portal.deployment().hostname());
        // The emulator serves plain HTTP on loopback; ArcGIS Online organisations are HTTPS-only.
        self.put("allSSL", false);
        self.put("supportsOAuth", true);
        self.put("currentVersion", CURRENT_VERSION);
        self.put("maxTokenExpirationMinutes", organization.maxTokenExpirationMinutes());
        self.put("portalMode", portal.isEnterprise() ? "singletenant" : "multitenant");
        if (member != null) {
            self.put("user", user(member));
        }
        return self;
    }

    private static Map<String, Object> user(Member member) {
        Map<String, Object> user = new LinkedHashMap<>();
        user.put("username", member.username());
        user.put("id", member.id());
        user.put("fullName", member.fullName());
        user.put("email", member.email());
        user.put("orgId", member.orgId());
        user.put("role", "org_user");
        user.put("provider", member.provider());
        if (member.idpUserId() != null) {
            user.put("idpUsername", member.idpUserId());
        }
        return user;
    }
}
