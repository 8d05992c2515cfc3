package io.github.arcgisbridge.keycloak.arcgis.link;

import java.io.IOException;

import jakarta.ws.rs.core.UriBuilder;

import com.fasterxml.jackson.databind.JsonNode;
import org.keycloak.broker.oidc.AbstractOAuth2IdentityProvider;
import org.keycloak.broker.provider.AuthenticationRequest;
import org.keycloak.broker.provider.BrokeredIdentityContext;
import org.keycloak.broker.provider.IdentityBrokerException;
import org.keycloak.common.util.Time;
import org.keycloak.models.KeycloakSession;
import org.keycloak.util.JsonSerialization;

import io.github.arcgisbridge.keycloak.error.RejectedException;
import io.github.arcgisbridge.keycloak.arcgis.ArcGisConfig;
import io.github.arcgisbridge.keycloak.arcgis.portal.ArcGisPortalClient;
import io.github.arcgisbridge.keycloak.arcgis.portal.PortalToken;
import io.github.arcgisbridge.keycloak.arcgis.vault.ArcGisGrant;
import io.github.arcgisbridge.keycloak.arcgis.vault.ArcGisGrantCodec;

/**
 * OAuth 2.0 against an ArcGIS portal, for account linking: the user passes once through the portal's
 * {@code oauth2/authorize} (whose sign-in is the organisation's OpenID Connect login, so no password when the user
 * already has a session), the callback redeems the code, {@code community/self} names the member, and the link keeps
 * the member id, the ArcGIS username and, encrypted, the ArcGIS grant (access and refresh token with their expiries).
 */
public final class ArcGisIdentityProvider extends AbstractOAuth2IdentityProvider<ArcGisConfig> {

    public ArcGisIdentityProvider(KeycloakSession session, ArcGisConfig config) {
        super(session, config);
    }

    @Override
    protected String getDefaultScopes() {
        return "";
    }

    @Override
    protected UriBuilder createAuthorizationUrl(AuthenticationRequest request) {
        return super.createAuthorizationUrl(request).queryParam("expiration", getConfig().getExpirationMinutes());
    }

    @Override
    public BrokeredIdentityContext getFederatedIdentity(String response) {
        JsonNode token;
        try {
            token = JsonSerialization.readValue(response, JsonNode.class);
        } catch (IOException e) {
            throw new IdentityBrokerException("ArcGIS token response is not JSON");
        }
        PortalToken access = token == null ? null : PortalToken.read(token, "access_token", "expires_in");
        PortalToken refresh = token == null ? null : PortalToken.read(token, "refresh_token", "refresh_token_expires_in");
        if (token == null || token.has("error") || access == null || refresh == null) {
            throw new IdentityBrokerException("ArcGIS did not return an access and a refresh token with their lifetimes");
        }
        JsonNode self;
        try {
            self = new ArcGisPortalClient(session, getConfig()).self(access.value());
        } catch (RejectedException e) {
            throw new IdentityBrokerException("ArcGIS community/self failed: " + e.rejection().reason());
        }
        String username = self.path("username").asText(null);
        String memberId = self.path("id").asText(username);
        if (username == null) {
            throw new IdentityBrokerException("ArcGIS community/self named no member");
        }
        long now = Time.currentTimeSeconds();
        ArcGisGrant grant = new ArcGisGrant(access.value(), access.expiresAt(now), refresh.value(), refresh.expiresAt(now), username);

        BrokeredIdentityContext identity = new BrokeredIdentityContext(memberId, getConfig());
        identity.setUsername(username);
        identity.setBrokerUserId(getConfig().getAlias() + "." + memberId);
        identity.setEmail(self.path("email").asText(null));
        identity.setToken(ArcGisGrantCodec.encrypt(session, session.getContext().getRealm(), grant));
        identity.setIdp(this);
        return identity;
    }
}
