package io.github.arcgisbridge.keycloak.exchange;

import java.util.List;
import java.util.Optional;

import org.keycloak.OAuth2Constants;
import org.keycloak.models.KeycloakSession;
import org.keycloak.protocol.oidc.TokenExchangeContext;

import io.github.arcgisbridge.keycloak.arcgis.ArcGisConfig;
import io.github.arcgisbridge.keycloak.arcgis.ArcGisProviders;
import io.github.arcgisbridge.keycloak.identityserver4.IdentityServer4Config;
import io.github.arcgisbridge.keycloak.identityserver4.IdentityServer4Providers;
import io.github.arcgisbridge.keycloak.subject.ParsedJws;

/**
 * Where one exchange request goes: the IdentityServer4 identity provider that vouches for the subject token, and
 * whether the user's ArcGIS token (an ArcGIS identity provider) or Keycloak tokens for clients are asked for.
 *
 * @param arcgis the ArcGIS identity provider asked for, or null when Keycloak tokens are asked for
 */
record ExchangeRoute(IdentityServer4Config identityProvider, ArcGisConfig arcgis) {

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
        String requestedIssuer = context.getFormParams().getFirst(OAuth2Constants.REQUESTED_ISSUER);
        ArcGisConfig arcgis = null;
        if (requestedIssuer != null) {
            arcgis = ArcGisProviders.byAlias(session, requestedIssuer).orElse(null);
            if (arcgis == null) {
                context.setUnsupportedReason("Parameter 'requested_issuer' names no enabled ArcGIS identity provider");
                return Optional.empty();
            }
        } else if (singleResourceWithoutAudience(params)) {
            arcgis = ArcGisProviders.bySharingRestUrl(session, params.getResource().get(0)).orElse(null);
        }
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
        return Optional.of(new ExchangeRoute(identityProvider.get(), arcgis));
    }

    private static boolean singleResourceWithoutAudience(TokenExchangeContext.Params params) {
        List<String> resources = params.getResource();
        return resources != null && resources.size() == 1 && params.getAudience() == null;
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
}
