package io.github.arcgisbridge.keycloak.exchange;

import java.util.List;
import java.util.Optional;

import org.keycloak.OAuth2Constants;
import org.keycloak.models.KeycloakSession;
import org.keycloak.protocol.oidc.TokenExchangeContext;

import io.github.arcgisbridge.keycloak.arcgis.ArcGisConfig;
import io.github.arcgisbridge.keycloak.arcgis.ArcGisProviders;
import io.github.arcgisbridge.keycloak.error.Rejection;
import io.github.arcgisbridge.keycloak.identityserver4.IdentityServer4Config;
import io.github.arcgisbridge.keycloak.identityserver4.IdentityServer4Providers;
import io.github.arcgisbridge.keycloak.subject.ParsedJws;

/**
 * Where one exchange request goes: the IdentityServer4 identity provider that vouches for the subject token, and what
 * is asked for: the user's ArcGIS token (an ArcGIS identity provider, named by {@code requested_issuer} or by a
 * {@code resource} the resource indicators map to its alias) or Keycloak tokens for clients. A request has one
 * meaning: asking for the ArcGIS token together with any other target is refused ({@link #conflict()}).
 *
 * @param arcgis   the ArcGIS identity provider asked for, or null when Keycloak tokens are asked for
 * @param conflict the refusal for a request whose targets contradict each other, or null
 */
record ExchangeRoute(IdentityServer4Config identityProvider, ArcGisConfig arcgis, Rejection conflict) {

    boolean toArcGis() {
        return arcgis != null;
    }

    /**
     * The route, or empty (with the reason set on the context) when the request is not for this provider. The subject
     * token is only read here when no {@code subject_issuer} names its provider, and then only its unverified
     * {@code iss}, only if it is no longer than some IdentityServer4 provider would accept.
     */
    static Optional<ExchangeRoute> resolve(KeycloakSession session, TokenExchangeContext context) {
        TokenExchangeContext.Params params = context.getParams();
        String subjectToken = params.getSubjectToken();
        if (subjectToken == null) {
            context.setUnsupportedReason("Parameter 'subject_token' is required");
            return Optional.empty();
        }
        Optional<IdentityServer4Config> identityProvider = params.getSubjectIssuer() != null
                ? IdentityServer4Providers.byAlias(session, params.getSubjectIssuer())
                : byUnverifiedIssuer(session, subjectToken);
        if (identityProvider.isEmpty()) {
            context.setUnsupportedReason("The subject token is not from an enabled IdentityServer4 identity provider");
            return Optional.empty();
        }
        String requestedIssuer = context.getFormParams().getFirst(OAuth2Constants.REQUESTED_ISSUER);
        if (requestedIssuer != null) {
            Optional<ArcGisConfig> arcgis = ArcGisProviders.byAlias(session, requestedIssuer);
            if (arcgis.isEmpty()) {
                context.setUnsupportedReason("Parameter 'requested_issuer' names no enabled ArcGIS identity provider");
                return Optional.empty();
            }
            boolean otherTargets = !nonBlank(params.getAudience()).isEmpty() || !nonBlank(params.getResource()).isEmpty();
            return Optional.of(new ExchangeRoute(identityProvider.get(), arcgis.get(), otherTargets ? Rejection.TARGET_AMBIGUOUS : null));
        }
        return Optional.of(byResource(session, identityProvider.get(), params));
    }

    /** A resource whose indicator names an ArcGIS identity provider asks for the user's ArcGIS token, and only for it. */
    private static ExchangeRoute byResource(KeycloakSession session, IdentityServer4Config identityProvider, TokenExchangeContext.Params params) {
        List<String> resources = nonBlank(params.getResource());
        List<ArcGisConfig> arcgis = resources.stream().map(identityProvider.getResourceIndicators()::get)
                .flatMap(alias -> alias == null ? java.util.stream.Stream.empty() : ArcGisProviders.byAlias(session, alias).stream())
                .toList();
        if (arcgis.isEmpty()) {
            return new ExchangeRoute(identityProvider, null, null);
        }
        boolean onlyTarget = resources.size() == 1 && nonBlank(params.getAudience()).isEmpty();
        boolean alsoAClient = session.getContext().getRealm().getClientByClientId(arcgis.get(0).getAlias()) != null;
        return new ExchangeRoute(identityProvider, arcgis.get(0), onlyTarget && !alsoAClient ? null : Rejection.TARGET_AMBIGUOUS);
    }

    /** A JWT longer than every provider accepts is not read at all: no provider would take it. */
    private static Optional<IdentityServer4Config> byUnverifiedIssuer(KeycloakSession session, String subjectToken) {
        List<IdentityServer4Config> providers = IdentityServer4Providers.enabled(session);
        if (providers.stream().noneMatch(provider -> subjectToken.length() <= provider.getMaxSubjectTokenSize())) {
            return Optional.empty();
        }
        String issuer = ParsedJws.unverifiedIssuer(subjectToken);
        return providers.stream().filter(provider -> issuer != null && provider.getTrustedIssuers().contains(issuer)).findFirst();
    }

    static List<String> nonBlank(List<String> values) {
        return values == null ? List.of() : values.stream().filter(v -> v != null && !v.isBlank()).map(String::trim).toList();
    }
}
