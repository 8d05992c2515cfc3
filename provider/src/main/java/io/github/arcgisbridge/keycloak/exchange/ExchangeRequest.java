package io.github.arcgisbridge.keycloak.exchange;

import java.util.List;
import java.util.Set;

import org.keycloak.OAuth2Constants;
import org.keycloak.protocol.oidc.TokenExchangeContext;

import io.github.arcgisbridge.keycloak.error.Rejection;
import io.github.arcgisbridge.keycloak.subject.SubjectTokenKind;

/**
 * The RFC 8693 parameters of one request, checked for shape, and {@code refused_token}: the user's ArcGIS token that
 * ArcGIS refused (498), which the next exchange for the ArcGIS token replaces. Duplicated single-valued parameters are
 * refused by Keycloak's token endpoint already.
 */
record ExchangeRequest(String subjectToken, SubjectTokenKind subjectTokenKind, String requestedTokenType,
                       List<String> audiences, List<String> resources, String scope, String refusedToken) {

    static final String REFUSED_TOKEN = "refused_token";

    private static final Set<String> ISSUABLE = Set.of(OAuth2Constants.ACCESS_TOKEN_TYPE, OAuth2Constants.JWT_TOKEN_TYPE,
            OAuth2Constants.ID_TOKEN_TYPE);

    ExchangeRequest {
        audiences = List.copyOf(audiences);
        resources = List.copyOf(resources);
    }

    static ExchangeRequest of(TokenExchangeContext context) {
        TokenExchangeContext.Params params = context.getParams();
        if (params.getActorToken() != null || params.getActorTokenType() != null) {
            throw Rejection.ACTOR_TOKEN_UNSUPPORTED.exception();
        }
        SubjectTokenKind kind = SubjectTokenKind.fromTokenType(params.getSubjectTokenType())
                .orElseThrow(Rejection.SUBJECT_TOKEN_TYPE_UNSUPPORTED::exception);
        String requested = params.getRequestedTokenType() == null ? OAuth2Constants.ACCESS_TOKEN_TYPE : params.getRequestedTokenType();
        if (!ISSUABLE.contains(requested)) {
            throw Rejection.REQUESTED_TOKEN_TYPE_UNSUPPORTED.exception();
        }
        return new ExchangeRequest(params.getSubjectToken(), kind, requested, ExchangeRoute.nonBlank(params.getAudience()),
                ExchangeRoute.nonBlank(params.getResource()), params.getScope(), context.getFormParams().getFirst(REFUSED_TOKEN));
    }

    /** Never prints a token: this record must be safe to log. */
    @Override
    public String toString() {
        return "ExchangeRequest[subjectTokenKind=" + subjectTokenKind + ", requestedTokenType=" + requestedTokenType
                + ", audiences=" + audiences + ", resources=" + resources + ", scope=" + scope
                + ", refusedToken=" + (refusedToken == null ? "none" : "given") + "]";
    }

    boolean wantsIdToken() {
        return OAuth2Constants.ID_TOKEN_TYPE.equals(requestedTokenType);
    }
}
