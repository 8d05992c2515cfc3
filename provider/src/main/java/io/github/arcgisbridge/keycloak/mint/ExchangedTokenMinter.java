package io.github.arcgisbridge.keycloak.mint;

import java.util.List;
import java.util.Set;

import org.keycloak.OAuth2Constants;
import org.keycloak.common.ClientConnection;
import org.keycloak.events.Details;
import org.keycloak.events.EventBuilder;
import org.keycloak.models.ClientModel;
import org.keycloak.models.ClientSessionContext;
import org.keycloak.models.Constants;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.protocol.oidc.OIDCLoginProtocol;
import org.keycloak.protocol.oidc.TokenManager;
import org.keycloak.representations.AccessToken;
import org.keycloak.representations.AccessTokenResponse;
import org.keycloak.services.Urls;
import org.keycloak.services.managers.AuthenticationSessionManager;
import org.keycloak.services.managers.UserSessionManager;
import org.keycloak.sessions.AuthenticationSessionModel;
import org.keycloak.sessions.RootAuthenticationSessionModel;
import org.keycloak.util.TokenUtil;

/**
 * Answers "what do we hand back?": a token minted by Keycloak's {@link TokenManager} with the first target client's
 * scopes and protocol mappers, as they would shape it after a login, for the targets ({@code aud}) and held by the
 * requester ({@code azp}, {@code client_id}). ID tokens only go to the requester itself (see {@code ExchangeTargets}).
 * The user session is transient: exchanges leave no session behind and issue no refresh token.
 */
public final class ExchangedTokenMinter {

    private static final String CLIENT_ID_CLAIM = "client_id";

    /** Authentication method recorded on the transient session. */
    static final String AUTH_METHOD = "identityserver4-token-exchange";

    private final KeycloakSession session;
    private final RealmModel realm;
    private final TokenManager tokenManager;
    private final EventBuilder event;
    private final ClientConnection connection;

    public ExchangedTokenMinter(KeycloakSession session, TokenManager tokenManager, EventBuilder event, ClientConnection connection) {
        this.session = session;
        this.realm = session.getContext().getRealm();
        this.tokenManager = tokenManager;
        this.event = event;
        this.connection = connection;
    }

    public AccessTokenResponse mint(UserModel user, List<ClientModel> targets, Set<String> restrictedScopes,
                                    String scopeParameter, String requestedTokenType) {
        ClientModel primary = targets.get(0);
        ClientModel requester = session.getContext().getClient();
        session.getContext().setClient(primary);
        try {
            RootAuthenticationSessionModel root = new AuthenticationSessionManager(session).createAuthenticationSession(realm, false);
            AuthenticationSessionModel authSession = root.createAuthenticationSession(primary);
            authSession.setAuthenticatedUser(user);
            authSession.setProtocol(OIDCLoginProtocol.LOGIN_PROTOCOL);
            authSession.setClientNote(OIDCLoginProtocol.ISSUER, Urls.realmIssuer(session.getContext().getUri().getBaseUri(), realm.getName()));
            authSession.setClientNote(OIDCLoginProtocol.SCOPE_PARAM, scopeParameter);

            UserSessionModel userSession = new UserSessionManager(session).createUserSession(root.getId(), realm, user,
                    user.getUsername(), connection.getRemoteHost(), AUTH_METHOD, false, null, null,
                    UserSessionModel.SessionPersistenceState.TRANSIENT);
            ClientSessionContext clientSessionCtx = TokenManager.attachAuthenticationSession(session, userSession, authSession,
                    restrictedScopes, false);
            clientSessionCtx.setAttribute(Constants.GRANT_TYPE, OAuth2Constants.TOKEN_EXCHANGE_GRANT_TYPE);

            TokenManager.AccessTokenResponseBuilder builder = tokenManager
                    .responseBuilder(realm, primary, event, session, userSession, clientSessionCtx)
                    .generateAccessToken();
            AccessToken accessToken = builder.getAccessToken();
            targets.forEach(target -> accessToken.addAudience(target.getClientId()));
            // The token is the requester's to hold and present: azp (OpenID Connect Core §2) and client_id (RFC 8693
            // §4.3, RFC 9068 §2.2) name it; aud names the targets. No 'act': no actor token, no delegation (RFC 8693 §4.1).
            accessToken.issuedFor(requester.getClientId());
            accessToken.setOtherClaims(CLIENT_ID_CLAIM, requester.getClientId());
            // A transient session cannot be looked up later; a 'sid' would only mislead relying parties.
            accessToken.setSessionId(null);

            AccessTokenResponse response;
            if (OAuth2Constants.ID_TOKEN_TYPE.equals(requestedTokenType)) {
                // RFC 8693 §2.2.1: the issued token travels in access_token; it is not an access token, hence N_A.
                response = builder.generateIDToken().build();
                response.setToken(response.getIdToken());
                response.setTokenType(TokenUtil.TOKEN_TYPE_NA);
            } else {
                response = builder.build();
            }
            response.setIdToken(null);
            response.setRefreshToken(null);
            response.setSessionState(null);
            response.setOtherClaims(OAuth2Constants.ISSUED_TOKEN_TYPE, requestedTokenType);
            event.detail(Details.AUDIENCE, String.join(" ", accessToken.getAudience()));
            return response;
        } finally {
            session.getContext().setClient(requester);
        }
    }
}
