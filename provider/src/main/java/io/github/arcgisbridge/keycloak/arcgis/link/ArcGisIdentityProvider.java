package io.github.arcgisbridge.keycloak.arcgis.link;

import java.io.IOException;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.UriBuilder;

import com.fasterxml.jackson.databind.JsonNode;
import org.jboss.logging.Logger;
import org.keycloak.broker.oidc.AbstractOAuth2IdentityProvider;
import org.keycloak.broker.provider.AuthenticationRequest;
import org.keycloak.broker.provider.BrokeredIdentityContext;
import org.keycloak.broker.provider.IdentityBrokerException;
import org.keycloak.common.util.Time;
import org.keycloak.events.EventBuilder;
import org.keycloak.models.FederatedIdentityModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.sessions.AuthenticationSessionModel;
import org.keycloak.util.JsonSerialization;

import io.github.arcgisbridge.keycloak.arcgis.ArcGisConfig;
import io.github.arcgisbridge.keycloak.arcgis.portal.ArcGisPortalClient;
import io.github.arcgisbridge.keycloak.arcgis.portal.PortalGrant;
import io.github.arcgisbridge.keycloak.arcgis.portal.PortalToken;
import io.github.arcgisbridge.keycloak.arcgis.vault.ArcGisGrant;
import io.github.arcgisbridge.keycloak.arcgis.vault.ArcGisGrantCodec;
import io.github.arcgisbridge.keycloak.arcgis.vault.GrantBinding;
import io.github.arcgisbridge.keycloak.error.RejectedException;

/**
 * OAuth 2.0 against an ArcGIS portal, for account linking only: the user passes once through the portal's
 * {@code oauth2/authorize} (whose sign-in is the organisation's login, so no password when the user already has a
 * session), the callback redeems the code, {@code community/self} names the member, {@link MemberBinding} decides
 * whether that member may be linked to the user, and the link keeps the member id, the ArcGIS username and, encrypted
 * and bound to the link, the grant (access and refresh token with their expiries).
 */
public final class ArcGisIdentityProvider extends AbstractOAuth2IdentityProvider<ArcGisConfig> {

    private static final Logger LOG = Logger.getLogger(ArcGisIdentityProvider.class);
    /** When ArcGIS cannot be asked who signed in: the link cannot be checked, so nothing is linked. */
    static final String PORTAL_UNAVAILABLE = "arcgisLinkUnavailable";
    /** This identity provider links accounts of signed-in users; it never signs anyone in. */
    static final String LINK_ONLY = "arcgisLinkOnly";

    private final LinkRevocation revocation;
    private AuthenticationCallback callback;

    public ArcGisIdentityProvider(KeycloakSession session, ArcGisConfig config, LinkRevocation revocation) {
        super(session, config);
        this.revocation = revocation;
    }

    @Override
    protected String getDefaultScopes() {
        return "";
    }

    /** In the authorization-code flow ArcGIS reads {@code expiration} as the refresh token's lifetime (the link's). */
    @Override
    protected UriBuilder createAuthorizationUrl(AuthenticationRequest request) {
        UriBuilder url = super.createAuthorizationUrl(request);
        int minutes = getConfig().getRefreshTokenLifetimeMinutes();
        return minutes > 0 ? url.queryParam("expiration", minutes) : url;
    }

    /** Kept to end a refused link the way Keycloak ends a failed one: the linking action fails with the reason shown. */
    @Override
    public Object callback(RealmModel realm, AuthenticationCallback callback, EventBuilder event) {
        this.callback = callback;
        return super.callback(realm, callback, event);
    }

    @Override
    public BrokeredIdentityContext getFederatedIdentity(String response) {
        PortalGrant issued = tokens(response);
        UserModel user = linkingUser();
        JsonNode member;
        String refusal;
        try {
            member = new ArcGisPortalClient(session, getConfig()).self(issued.accessToken().value());
            refusal = user == null ? LINK_ONLY : MemberBinding.refusal(session, getConfig(), member, user);
        } catch (RejectedException e) {
            revocation.revokeLater(session, getConfig(), issued.refreshToken().value(), "a link that could not be checked");
            throw new IdentityBrokerException("ArcGIS did not answer who signed in: " + e.rejection().reason()).withMessageCode(PORTAL_UNAVAILABLE);
        }
        String username = member.path("username").asText(null);
        String memberId = member.path("id").asText(username);
        if (refusal != null || username == null) {
            // The refused member's fresh authorization is of no use to anyone: ArcGIS forgets it too.
            revocation.revokeLater(session, getConfig(), issued.refreshToken().value(), "a refused link");
            LOG.infof("ArcGIS identity provider '%s': refused to link ArcGIS member '%s' to user '%s' (%s)", getConfig().getAlias(),
                    username, user == null ? null : user.getUsername(), refusal);
            String reason = refusal != null ? refusal : PORTAL_UNAVAILABLE;
            if (callback == null) {
                throw new IdentityBrokerException("ArcGIS member refused: " + reason).withMessageCode(reason);
            }
            throw new WebApplicationException(callback.error(getConfig(), reason));
        }
        RealmModel realm = session.getContext().getRealm();
        revokeReplacedGrant(realm, user, issued);
        ArcGisGrant grant = ArcGisGrant.issued(issued, username, Time.currentTimeSeconds());
        BrokeredIdentityContext identity = new BrokeredIdentityContext(memberId, getConfig());
        identity.setUsername(username);
        identity.setBrokerUserId(getConfig().getAlias() + "." + memberId);
        identity.setEmail(member.path("email").asText(null));
        identity.setToken(ArcGisGrantCodec.encrypt(session, realm, new GrantBinding(realm.getId(), user.getId(), getConfig().getAlias(), memberId), grant));
        identity.setIdp(this);
        return identity;
    }

    /** The authorization code's answer: an access and a refresh token with their lifetimes, read strictly. */
    private PortalGrant tokens(String response) {
        JsonNode answer;
        try {
            answer = JsonSerialization.readValue(response, JsonNode.class);
        } catch (IOException e) {
            throw new IdentityBrokerException("ArcGIS token response is not JSON").withMessageCode(PORTAL_UNAVAILABLE);
        }
        PortalToken access = answer == null ? null : PortalToken.read(answer, PortalToken.ACCESS);
        PortalToken refresh = answer == null ? null : PortalToken.read(answer, PortalToken.REFRESH);
        if (answer == null || answer.has("error") || access == null || refresh == null) {
            throw new IdentityBrokerException("ArcGIS did not return an access and a refresh token with their lifetimes")
                    .withMessageCode(PORTAL_UNAVAILABLE);
        }
        return new PortalGrant(access, refresh);
    }

    /** The Keycloak user who asked to link (Keycloak's idp_link action signs the user in first); null outside linking. */
    private UserModel linkingUser() {
        AuthenticationSessionModel authSession = session.getContext().getAuthenticationSession();
        return authSession == null ? null : authSession.getAuthenticatedUser();
    }

    /** Linking again replaces the stored grant; ArcGIS is told to forget the replaced one once the new one is stored. */
    private void revokeReplacedGrant(RealmModel realm, UserModel user, PortalGrant issued) {
        FederatedIdentityModel previous = session.users().getFederatedIdentity(realm, user, getConfig().getAlias());
        if (previous == null) {
            return;
        }
        ArcGisGrant replaced = ArcGisGrantCodec.decrypt(session, realm,
                new GrantBinding(realm.getId(), user.getId(), getConfig().getAlias(), previous.getUserId()), previous.getToken());
        if (replaced != null && !replaced.refreshToken().equals(issued.refreshToken().value())) {
            revocation.revokeAfterCommit(session, getConfig(), replaced, "a replaced link");
        }
    }
}
