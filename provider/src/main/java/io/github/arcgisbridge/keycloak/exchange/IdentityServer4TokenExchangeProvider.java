package io.github.arcgisbridge.keycloak.exchange;

import java.util.List;
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

import io.github.arcgisbridge.keycloak.error.RejectedException;
import io.github.arcgisbridge.keycloak.error.Rejection;
import io.github.arcgisbridge.keycloak.idp.IdentityServer4Config;
import io.github.arcgisbridge.keycloak.idp.IdentityServer4Providers;
import io.github.arcgisbridge.keycloak.mint.ExchangedTokenMinter;
import io.github.arcgisbridge.keycloak.mint.ScopeNarrowing;
import io.github.arcgisbridge.keycloak.subject.IntrospectionCache;
import io.github.arcgisbridge.keycloak.subject.ParsedJws;
import io.github.arcgisbridge.keycloak.subject.SubjectTokenValidator;
import io.github.arcgisbridge.keycloak.subject.VerifiedSubject;
import io.github.arcgisbridge.keycloak.user.SubjectUserResolver;

/**
 * RFC 8693 exchange of IdentityServer4 tokens for Keycloak tokens. One request flows through four steps: the request
 * (who asks, for which audience), the subject (is the token genuine and acceptable), the user (who is this in
 * Keycloak), the mint (what goes back). Every check that can fail runs before the only write (creating a user on
 * first exchange), so a refused request changes nothing. Each outcome is one Keycloak event.
 */
final class IdentityServer4TokenExchangeProvider implements TokenExchangeProvider {

    private final KeycloakSession session;
    private final IntrospectionCache introspectionCache;
    private IdentityServer4Config identityProvider;

    IdentityServer4TokenExchangeProvider(KeycloakSession session, IntrospectionCache introspectionCache) {
        this.session = session;
        this.introspectionCache = introspectionCache;
    }

    @Override
    public boolean supports(TokenExchangeContext context) {
        TokenExchangeContext.Params params = context.getParams();
        if (context.getFormParams().getFirst(OAuth2Constants.REQUESTED_ISSUER) != null) {
            context.setUnsupportedReason("Parameter 'requested_issuer' is not supported for IdentityServer4 subject tokens");
            return false;
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
            AccessTokenResponse response = exchange(context, event);
            event.success();
            return context.getCors().add(Response.ok(response, MediaType.APPLICATION_JSON_TYPE));
        } catch (RejectedException e) {
            Rejection rejection = e.rejection();
            event.detail(Details.REASON, rejection.reason());
            event.error(rejection.eventError());
            throw new CorsErrorResponseException(context.getCors(), rejection.oauthError(), rejection.description(), rejection.status());
        }
    }

    private AccessTokenResponse exchange(TokenExchangeContext context, EventBuilder event) {
        ClientModel requester = context.getClient();
        ExchangeRequest request = ExchangeRequest.of(context.getParams());
        event.detail(Details.REQUESTED_TOKEN_TYPE, request.requestedTokenType());

        RequesterPolicy policy = new RequesterPolicy(identityProvider, requester);
        List<ClientModel> targets = ExchangeTargets.resolve(context.getRealm(), requester, policy.permittedAudiences(),
                identityProvider.getResourceIndicators(), request);
        Set<String> restrictedScopes = ScopeNarrowing.restrictedScopes(targets.get(0), request.scope());

        VerifiedSubject subject = new SubjectTokenValidator(session, identityProvider, introspectionCache)
                .validate(request.subjectToken(), request.subjectTokenKind());
        event.detail(Details.IDENTITY_PROVIDER_USERNAME, subject.subject());
        event.detail(Details.SUBJECT_TOKEN_CLIENT_ID, subject.clientId());
        policy.checkPairing(subject);

        UserModel user = new SubjectUserResolver(session, identityProvider, event).resolve(subject, request.subjectToken());
        event.user(user);
        event.detail(Details.USERNAME, user.getUsername());

        return new ExchangedTokenMinter(session, (TokenManager) context.getTokenManager(), event, context.getClientConnection())
                .mint(user, targets, restrictedScopes, request.scope(), request.requestedTokenType());
    }

    @Override
    public void close() {
        // nothing held beyond the request
    }
}
