package io.github.arcgisbridge.keycloak.exchange;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import jakarta.ws.rs.core.HttpHeaders;
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

import io.github.arcgisbridge.keycloak.arcgis.token.ArcGisTokenIssuer;
import io.github.arcgisbridge.keycloak.error.RejectedException;
import io.github.arcgisbridge.keycloak.error.Rejection;
import io.github.arcgisbridge.keycloak.metrics.BridgeMetrics;
import io.github.arcgisbridge.keycloak.metrics.BridgeMetrics.Target;
import io.github.arcgisbridge.keycloak.mint.ExchangedTokenMinter;
import io.github.arcgisbridge.keycloak.mint.ScopeNarrowing;
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
    private TokenExchangeContext routedContext;
    private Optional<ExchangeRoute> route = Optional.empty();

    IdentityServer4TokenExchangeProvider(KeycloakSession session, ExchangeServices services) {
        this.session = session;
        this.services = services;
    }

    @Override
    public boolean supports(TokenExchangeContext context) {
        return routeOf(context).isPresent();
    }

    @Override
    public Response exchange(TokenExchangeContext context) {
        ExchangeRoute route = routeOf(context).orElseThrow(() -> new IllegalStateException("exchange() of a request this provider does not support"));
        long started = System.nanoTime();
        Target target = route.toArcGis() ? Target.ARCGIS_TOKEN : Target.KEYCLOAK_TOKEN;
        EventBuilder event = context.getEvent();
        event.detail(Details.IDENTITY_PROVIDER, route.identityProvider().getAlias());
        event.detail(OAuth2Constants.SUBJECT_ISSUER, route.identityProvider().getAlias());
        try {
            if (route.conflict() != null) {
                throw route.conflict().exception();
            }
            Object response = route.toArcGis() ? issueArcGisToken(context, route, event) : mintKeycloakToken(context, route, event);
            event.success();
            BridgeMetrics.exchange(context.getRealm().getName(), target, "success", "none", System.nanoTime() - started);
            return context.getCors().add(Response.ok(response, MediaType.APPLICATION_JSON_TYPE));
        } catch (RejectedException e) {
            Rejection rejection = e.rejection();
            BridgeMetrics.exchange(context.getRealm().getName(), target, rejection.status() == Response.Status.SERVICE_UNAVAILABLE
                    ? "unavailable" : "refused", rejection.reason(), System.nanoTime() - started);
            return refusal(context, event, e);
        }
    }

    /** Resolved once per request: supports() and exchange() ask the same question of the same context. */
    private Optional<ExchangeRoute> routeOf(TokenExchangeContext context) {
        if (context != routedContext) {
            route = ExchangeRoute.resolve(session, context);
            routedContext = context;
        }
        return route;
    }

    /** A Keycloak token for the target clients, minted with the first target's protocol mappers. */
    private AccessTokenResponse mintKeycloakToken(TokenExchangeContext context, ExchangeRoute route, EventBuilder event) {
        ClientModel requester = context.getClient();
        ExchangeRequest request = ExchangeRequest.of(context);
        event.detail(Details.REQUESTED_TOKEN_TYPE, request.requestedTokenType());

        RequesterPolicy policy = new RequesterPolicy(route.identityProvider(), requester);
        List<ClientModel> targets = ExchangeTargets.resolve(context.getRealm(), requester, policy.permittedAudiences(),
                route.identityProvider().getResourceIndicators(), request);
        Set<String> restrictedScopes = ScopeNarrowing.restrictedScopes(targets.get(0), request.scope());
        VerifiedSubject subject = verifiedSubject(request, route, policy, event);
        UserModel user = identified(event, users(route, event).resolveOrCreate(subject, request.subjectToken()));
        return new ExchangedTokenMinter(session, (TokenManager) context.getTokenManager(), event, context.getClientConnection())
                .mint(user, targets, restrictedScopes, request.scope(), request.requestedTokenType());
    }

    /**
     * The user's ArcGIS token ({@code requested_issuer} = the ArcGIS identity provider, or its sharing/rest as
     * resource). It needs a linked ArcGIS account, which only a browser sign-in can create, so this path never
     * creates a Keycloak user: an unknown subject is "not linked" too.
     */
    private Map<String, Object> issueArcGisToken(TokenExchangeContext context, ExchangeRoute route, EventBuilder event) {
        ClientModel requester = context.getClient();
        ExchangeRequest request = ExchangeRequest.of(context);
        event.detail(Details.REQUESTED_TOKEN_TYPE, request.requestedTokenType());
        if (!OAuth2Constants.ACCESS_TOKEN_TYPE.equals(request.requestedTokenType())) {
            throw Rejection.REQUESTED_TOKEN_TYPE_UNSUPPORTED.exception();
        }
        RequesterPolicy policy = new RequesterPolicy(route.identityProvider(), requester);
        if (!policy.permittedAudiences().contains(route.arcgis().getAlias())) {
            throw Rejection.AUDIENCE_NOT_PERMITTED.exception();
        }
        if (requester.isPublicClient() && !route.arcgis().getPublicClients().contains(requester.getClientId())) {
            throw Rejection.ARCGIS_TOKEN_NOT_FOR_PUBLIC_CLIENT.exception();
        }
        ArcGisTokenIssuer issuer = new ArcGisTokenIssuer(session, event, services.arcgisVault(), services.arcgisAppTokens());
        UserModel user;
        try {
            VerifiedSubject subject = verifiedSubject(request, route, policy, event);
            user = identified(event, users(route, event).resolveLinked(subject, Rejection.ARCGIS_NOT_LINKED));
        } catch (RejectedException e) {
            throw issuer.withAccountLinkUrl(e, route.arcgis(), requester);
        }
        return issuer.issue(route.arcgis(), user, requester, request.refusedToken());
    }

    private VerifiedSubject verifiedSubject(ExchangeRequest request, ExchangeRoute route, RequesterPolicy policy, EventBuilder event) {
        policy.checkSubjectTokenKind(request.subjectTokenKind());
        VerifiedSubject subject = new SubjectTokenValidator(session, route.identityProvider(), services.introspectionCache())
                .validate(request.subjectToken(), request.subjectTokenKind());
        event.detail(Details.IDENTITY_PROVIDER_USERNAME, subject.subject());
        event.detail(Details.SUBJECT_TOKEN_CLIENT_ID, subject.clientId());
        policy.checkPairing(subject);
        return subject;
    }

    private SubjectUserResolver users(ExchangeRoute route, EventBuilder event) {
        return new SubjectUserResolver(session, route.identityProvider(), event);
    }

    private static UserModel identified(EventBuilder event, UserModel user) {
        event.user(user);
        event.detail(Details.USERNAME, user.getUsername());
        return user;
    }

    /** The OAuth error (RFC 6749 §5.2, RFC 8693 §2.2.2) in a JSON body, never cached, with Retry-After on a 503. */
    private static Response refusal(TokenExchangeContext context, EventBuilder event, RejectedException e) {
        Rejection rejection = e.rejection();
        event.detail(Details.REASON, rejection.reason());
        event.error(rejection.eventError());
        Map<String, String> body = new LinkedHashMap<>();
        body.put(OAuth2Constants.ERROR, rejection.oauthError());
        body.put(OAuth2Constants.ERROR_DESCRIPTION, rejection.description());
        body.putAll(e.responseFields());
        Response.ResponseBuilder response = Response.status(rejection.status()).entity(body).type(MediaType.APPLICATION_JSON_TYPE)
                .header(HttpHeaders.CACHE_CONTROL, "no-store").header("Pragma", "no-cache");
        if (rejection.retryAfterSeconds() > 0) {
            response.header(HttpHeaders.RETRY_AFTER, rejection.retryAfterSeconds());
        }
        return context.getCors().add(response);
    }

    @Override
    public void close() {
        // nothing held beyond the request
    }
}
