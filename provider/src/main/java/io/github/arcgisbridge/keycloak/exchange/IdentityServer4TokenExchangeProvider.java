package io.github.arcgisbridge.keycloak.exchange;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.keycloak.OAuth2Constants;
import org.keycloak.events.Details;
import org.keycloak.events.EventBuilder;
import org.keycloak.models.ClientModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.UserModel;
import org.keycloak.protocol.oidc.TokenExchangeContext;
import org.keycloak.protocol.oidc.TokenExchangeProvider;
import org.keycloak.protocol.oidc.TokenManager;
import org.keycloak.representations.AccessTokenResponse;
import org.keycloak.services.CorsErrorResponseException;

import io.github.arcgisbridge.keycloak.arcgis.ArcGisConfig;
import io.github.arcgisbridge.keycloak.arcgis.ArcGisProviders;
import io.github.arcgisbridge.keycloak.error.RejectedException;
import io.github.arcgisbridge.keycloak.error.Rejection;
import io.github.arcgisbridge.keycloak.idp.IdentityServer4Config;
import io.github.arcgisbridge.keycloak.idp.IdentityServer4Providers;
import io.github.arcgisbridge.keycloak.mint.ArcGisTokenIssuer;
import io.github.arcgisbridge.keycloak.mint.ExchangedTokenMinter;
import io.github.arcgisbridge.keycloak.mint.ScopeNarrowing;
import io.github.arcgisbridge.keycloak.subject.ParsedJws;
import io.github.arcgisbridge.keycloak.subject.SubjectTokenValidator;
import io.github.arcgisbridge.keycloak.subject.VerifiedSubject;
import io.github.arcgisbridge.keycloak.user.SubjectUserResolver;

/**
 * RFC 8693 exchange of IdentityServer4 tokens for Keycloak tokens, or for the user's ArcGIS token. One request flows
 * through four steps: the request (who asks, for which audience), the subject (is the token genuine and
 * acceptable), the user (who is this in Keycloak), the mint (what goes back: a Keycloak token, or the ArcGIS token
 * from the vault). Every check that can fail runs before the first write (creating a user on first exchange), so a
 * refused request changes nothing. Each outcome is one Keycloak event.
 */
final class IdentityServer4TokenExchangeProvider implements TokenExchangeProvider {

    private final KeycloakSession session;
    private final ExchangeServices services;
    private IdentityServer4Config identityProvider;
    private ArcGisConfig arcgis;

    IdentityServer4TokenExchangeProvider(KeycloakSession session, ExchangeServices services) {
        this.session = session;
        this.services = services;
    }

    @Override
    public boolean supports(TokenExchangeContext context) {
        TokenExchangeContext.Params params = context.getParams();
        String requestedIssuer = context.getFormParams().getFirst(OAuth2Constants.REQUESTED_ISSUER);
        if (requestedIssuer != null) {
            arcgis = ArcGisProviders.byAlias(session, requestedIssuer).orElse(null);
            if (arcgis == null) {
                context.setUnsupportedReason("Parameter 'requested_issuer' names no enabled ArcGIS identity provider");
                return false;
            }
        } else if (params.getResource() != null && params.getResource().size() == 1 && params.getAudience() == null) {
            arcgis = ArcGisProviders.bySharingRestUrl(session, params.getResource().get(0)).orElse(null);
        }
        if (params.getSubjectToken() == null) {
            context.setUnsupportedReason("Parameter 'subject_token' is required");
            return false;
        }
        Optional<IdentityServer4Config> found = params.getSubjectIssuer() != null
                ? IdentityServer4Providers.byAlias(session, params.getSubjectIssuer())
                : Optional.ofNullable(ParsedJws.unverifiedIssuer(params.getSubjectToken()))
                        .flatMap(issuer -> IdentityServer4Providers.byIssuer(session, issuer));
        if (found.isEmpty()) {
            context.setUnsupportedReason("The subject token is not from an enabled IdentityServer4 identity provider");
            return false;
        }
        identityProvider = found.get();
        return true;
    }

    @Override
    public Response exchange(TokenExchangeContext context) {
        EventBuilder event = context.getEvent();
        event.detail(Details.IDENTITY_PROVIDER, identityProvider.getAlias());
        event.detail(OAuth2Constants.SUBJECT_ISSUER, identityProvider.getAlias());
        try {
            Object response = arcgis != null ? exchangeForArcGis(context, event) : exchange(context, event);
            event.success();
            return context.getCors().add(Response.ok(response, MediaType.APPLICATION_JSON_TYPE));
        } catch (RejectedException e) {
            Rejection rejection = e.rejection();
            event.detail(Details.REASON, rejection.reason());
            event.error(rejection.eventError());
            if (e.responseFields().isEmpty()) {
                throw new CorsErrorResponseException(context.getCors(), rejection.oauthError(), rejection.description(), rejection.status());
            }
            Map<String, String> body = new LinkedHashMap<>();
            body.put(OAuth2Constants.ERROR, rejection.oauthError());
            body.put(OAuth2Constants.ERROR_DESCRIPTION, rejection.description());
            body.putAll(e.responseFields());
            return context.getCors().add(Response.status(rejection.status()).entity(body).type(MediaType.APPLICATION_JSON_TYPE)
                    .header("Cache-Control", "no-store"));
        }
    }

    /** The user's ArcGIS token ({@code requested_issuer} = the ArcGIS identity provider, or its sharing/rest as resource). */
    private Map<String, Object> exchangeForArcGis(TokenExchangeContext context, EventBuilder event) {
        ClientModel requester = context.getClient();
        ExchangeRequest request = ExchangeRequest.of(context.getParams());
        event.detail(Details.REQUESTED_TOKEN_TYPE, request.requestedTokenType());
        if (!OAuth2Constants.ACCESS_TOKEN_TYPE.equals(request.requestedTokenType())) {
            throw Rejection.REQUESTED_TOKEN_TYPE_UNSUPPORTED.exception();
        }
        RequesterPolicy policy = new RequesterPolicy(identityProvider, requester);
        if (!policy.permittedAudiences().contains(arcgis.getAlias())) {
            throw Rejection.AUDIENCE_NOT_PERMITTED.exception();
        }
        ArcGisTokenIssuer issuer = new ArcGisTokenIssuer(session, event);
        UserModel user;
        try {
            user = verifiedUser(request, policy, event, false);
        } catch (RejectedException e) {
            throw issuer.withAccountLinkUrl(e, arcgis, requester);
        }
        return issuer.issue(arcgis, user, requester, services.arcgisVault(), services.arcgisAppTokens());
    }

    /**
     * The subject and user steps, shared by both kinds of target. An ArcGIS token needs a linked ArcGIS account, which
     * only a browser sign-in can create, so that path never creates a Keycloak user.
     */
    private UserModel verifiedUser(ExchangeRequest request, RequesterPolicy policy, EventBuilder event, boolean mayCreateUser) {
        VerifiedSubject subject = new SubjectTokenValidator(session, identityProvider, services.introspectionCache())
                .validate(request.subjectToken(), request.subjectTokenKind());
        event.detail(Details.IDENTITY_PROVIDER_USERNAME, subject.subject());
        event.detail(Details.SUBJECT_TOKEN_CLIENT_ID, subject.clientId());
        policy.checkPairing(subject);

        SubjectUserResolver users = new SubjectUserResolver(session, identityProvider, event);
        UserModel user = mayCreateUser ? users.resolve(subject, request.subjectToken())
                : users.resolveExisting(subject, Rejection.ARCGIS_NOT_LINKED);
        event.user(user);
        event.detail(Details.USERNAME, user.getUsername());
        return user;
    }

    private AccessTokenResponse exchange(TokenExchangeContext context, EventBuilder event) {
        ClientModel requester = context.getClient();
        ExchangeRequest request = ExchangeRequest.of(context.getParams());
        event.detail(Details.REQUESTED_TOKEN_TYPE, request.requestedTokenType());

        RequesterPolicy policy = new RequesterPolicy(identityProvider, requester);
        List<ClientModel> targets = ExchangeTargets.resolve(context.getRealm(), requester, policy.permittedAudiences(),
                identityProvider.getResourceIndicators(), request);
        Set<String> restrictedScopes = ScopeNarrowing.restrictedScopes(targets.get(0), request.scope());
        UserModel user = verifiedUser(request, policy, event, true);
        return new ExchangedTokenMinter(session, (TokenManager) context.getTokenManager(), event, context.getClientConnection())
                .mint(user, targets, restrictedScopes, request.scope(), request.requestedTokenType());
    }

    @Override
    public void close() {
        // nothing held beyond the request
    }
}
