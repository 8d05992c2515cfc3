package io.github.arcgisbridge.keycloak.arcgis.token;

import java.util.LinkedHashMap;
import java.util.Map;

import org.keycloak.OAuth2Constants;
import org.keycloak.common.util.Time;
import org.keycloak.events.EventBuilder;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RoleModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.utils.KeycloakModelUtils;
import org.keycloak.services.Urls;

import io.github.arcgisbridge.keycloak.arcgis.token.ArcGisAppTokens;
import io.github.arcgisbridge.keycloak.arcgis.ArcGisConfig;
import io.github.arcgisbridge.keycloak.arcgis.vault.ArcGisGrant;
import io.github.arcgisbridge.keycloak.arcgis.vault.ArcGisTokenVault;
import io.github.arcgisbridge.keycloak.error.RejectedException;
import io.github.arcgisbridge.keycloak.error.Rejection;

/**
 * Hands back an ArcGIS token: the user's own, from the vault, with what {@code IdentityManager.registerToken} needs
 * ({@code server}, {@code userId}, {@code expires} in epoch milliseconds, {@code ssl}); or, in app-credential mode,
 * the app's token, marked {@code arcgis_token_kind: app} and carrying no user. A user without a usable link gets
 * {@code not_linked} with the URL that links the account through Keycloak's {@code kc_action=idp_link}.
 */
public final class ArcGisTokenIssuer {

    public static final String ACCOUNT_LINK_URL = "account-link-url";

    private final KeycloakSession session;
    private final EventBuilder event;
    private final ArcGisTokenVault vault;
    private final ArcGisAppTokens appTokens;

    public ArcGisTokenIssuer(KeycloakSession session, EventBuilder event, ArcGisTokenVault vault, ArcGisAppTokens appTokens) {
        this.session = session;
        this.event = event;
        this.vault = vault;
        this.appTokens = appTokens;
    }

    /** @param refusedToken the ArcGIS token the app reports ArcGIS refused, or null */
    public Map<String, Object> issue(ArcGisConfig config, UserModel user, ClientModel requester, String refusedToken) {
        event.detail("requested_issuer", config.getAlias());
        if (refusedToken != null) {
            event.detail("refused_token", "given");
        }
        try {
            ArcGisGrant grant = vault.current(session, config, user, refusedToken);
            Map<String, Object> response = response(grant.accessToken(), grant.accessTokenExpiresAt(), config);
            response.put("userId", grant.username());
            response.put("arcgis_token_kind", "user");
            event.detail("arcgis_username", grant.username());
            return response;
        } catch (RejectedException e) {
            if (e.rejection() != Rejection.ARCGIS_NOT_LINKED && e.rejection() != Rejection.ARCGIS_AUTHORIZATION_INVALID) {
                throw e;
            }
            if (config.isAppCredentialMode() && holdsRole(user, config.getAppCredentialRole())) {
                ArcGisAppTokens.AppToken app = appTokens.current(session, config);
                Map<String, Object> response = response(app.token(), app.expiresAt(), config);
                response.put("arcgis_token_kind", "app");
                event.detail("arcgis_token_kind", "app");
                return response;
            }
            throw withAccountLinkUrl(e, config, requester);
        }
    }

    /** A "not linked" refusal gains the URL that links the account; any other refusal stays as it is. */
    public RejectedException withAccountLinkUrl(RejectedException e, ArcGisConfig config, ClientModel requester) {
        boolean notLinked = e.rejection() == Rejection.ARCGIS_NOT_LINKED || e.rejection() == Rejection.ARCGIS_AUTHORIZATION_INVALID;
        return notLinked ? e.with(ACCOUNT_LINK_URL, accountLinkUrl(config, requester)) : e;
    }

    private static Map<String, Object> response(String token, long expiresAt, ArcGisConfig config) {
        Map<String, Object> response = new LinkedHashMap<>();
        response.put("access_token", token);
        response.put(OAuth2Constants.ISSUED_TOKEN_TYPE, OAuth2Constants.ACCESS_TOKEN_TYPE);
        response.put("token_type", "Bearer");
        response.put("expires_in", Math.max(0, expiresAt - Time.currentTimeSeconds()));
        response.put("server", config.getSharingRestUrl());
        response.put("expires", expiresAt * 1000);
        response.put("ssl", config.isSsl());
        return response;
    }

    private boolean holdsRole(UserModel user, String roleName) {
        if (roleName == null) {
            return false;
        }
        RoleModel role = KeycloakModelUtils.getRoleFromString(session, session.getContext().getRealm(), roleName);
        return role != null && user.hasRole(role);
    }

    /** Keycloak's application-initiated action that links an identity provider; the app appends its redirect_uri. */
    private String accountLinkUrl(ArcGisConfig config, ClientModel requester) {
        return Urls.realmBase(session.getContext().getUri().getBaseUri()).path("{realm}/protocol/openid-connect/auth")
                .queryParam("client_id", requester.getClientId())
                .queryParam("response_type", "code")
                .queryParam("scope", "openid")
                .queryParam("kc_action", "idp_link:" + config.getAlias())
                .build(session.getContext().getRealm().getName()).toString();
    }
}
