package io.github.arcgisbridge.keycloak.user;

import com.fasterxml.jackson.databind.JsonNode;
import org.keycloak.broker.oidc.OIDCIdentityProvider;
import org.keycloak.broker.provider.BrokeredIdentityContext;
import org.keycloak.representations.JsonWebToken;
import org.keycloak.util.JsonSerialization;

import io.github.arcgisbridge.keycloak.identityserver4.IdentityServer4Config;
import io.github.arcgisbridge.keycloak.subject.SubjectTokenKind;
import io.github.arcgisbridge.keycloak.subject.VerifiedSubject;

/**
 * A verified subject described the way Keycloak's broker describes a browser login through the same identity
 * provider, so that the identity provider's mappers read the same claims in the same places: the token's claims under
 * {@code VALIDATED_ACCESS_TOKEN} or {@code VALIDATED_ID_TOKEN}, IdentityServer4's userinfo under {@code UserInfo}.
 */
final class BrokeredIdentity {

    private BrokeredIdentity() {
    }

    /** @param userInfo the subject's userinfo, or null when it was not fetched */
    static BrokeredIdentityContext of(IdentityServer4Config config, VerifiedSubject subject, JsonNode userInfo) {
        BrokeredIdentityContext identity = new BrokeredIdentityContext(subject.subject(), config);
        JsonWebToken token = JsonSerialization.mapper.convertValue(subject.claims(), JsonWebToken.class);
        identity.getContextData().put(subject.kind() == SubjectTokenKind.ID_TOKEN
                ? OIDCIdentityProvider.VALIDATED_ID_TOKEN : OIDCIdentityProvider.VALIDATED_ACCESS_TOKEN, token);
        if (userInfo != null) {
            identity.getContextData().put(OIDCIdentityProvider.USER_INFO, userInfo);
        }
        identity.setUsername(claim(subject, userInfo, config.getUsernameClaim()));
        identity.setEmail(claim(subject, userInfo, "email"));
        identity.setFirstName(claim(subject, userInfo, "given_name"));
        identity.setLastName(claim(subject, userInfo, "family_name"));
        identity.setBrokerUserId(config.getAlias() + "." + subject.subject());
        return identity;
    }

    /**
     * Keycloak's rule for OpenID Connect providers, which trusts the provider's own {@code email_verified} when
     * "Trust email" is on, with one addition: IdentityServer4 puts that claim in userinfo, not in access tokens, so
     * userinfo is consulted when the token lacks it. Without the claim, "Trust email" alone decides, as in Keycloak.
     */
    static boolean emailVerified(IdentityServer4Config config, VerifiedSubject subject, JsonNode userInfo, String email) {
        if (email == null || !config.isTrustEmail()) {
            return false;
        }
        JsonNode claim = subject.claims().has("email_verified") || userInfo == null
                ? subject.claims().get("email_verified") : userInfo.get("email_verified");
        return claim == null || claim.isNull() || claim.asBoolean(false) || "true".equalsIgnoreCase(claim.asText());
    }

    /** A non-blank string claim of the token, else of userinfo. */
    private static String claim(VerifiedSubject subject, JsonNode userInfo, String name) {
        String value = text(subject.claims(), name);
        return value != null || userInfo == null ? value : text(userInfo, name);
    }

    private static String text(JsonNode claims, String name) {
        JsonNode value = claims.get(name);
        return value != null && value.isTextual() && !value.asText().isBlank() ? value.asText().trim() : null;
    }
}
