package io.github.arcgisbridge.keycloak.subject;

import java.util.Optional;

import org.keycloak.OAuth2Constants;

/** What the caller says the subject token is ({@code subject_token_type}), reduced to what changes its validation. */
public enum SubjectTokenKind {
    /** {@code ...:access_token} or {@code ...:jwt}: an IdentityServer4 access token, JWT or reference. */
    ACCESS_TOKEN,
    /** {@code ...:id_token}: an IdentityServer4 ID token, always a JWT. */
    ID_TOKEN;

    public static Optional<SubjectTokenKind> fromTokenType(String subjectTokenType) {
        if (OAuth2Constants.ACCESS_TOKEN_TYPE.equals(subjectTokenType) || OAuth2Constants.JWT_TOKEN_TYPE.equals(subjectTokenType)) {
            return Optional.of(ACCESS_TOKEN);
        }
        if (OAuth2Constants.ID_TOKEN_TYPE.equals(subjectTokenType)) {
            return Optional.of(ID_TOKEN);
        }
        return Optional.empty();
    }
}
