package io.github.arcgisbridge.keycloak.arcgis.link;

import com.fasterxml.jackson.databind.JsonNode;
import org.keycloak.models.FederatedIdentityModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.UserModel;

import io.github.arcgisbridge.keycloak.arcgis.ArcGisConfig;
import io.github.arcgisbridge.keycloak.arcgis.portal.ArcGisPortalClient;

/**
 * Whether the ArcGIS member who just signed in at the portal may be linked to the Keycloak user who asked. ArcGIS
 * signs in whoever has a session or credentials there, so without this check a member of another organisation, or
 * an attacker's own account planted through a login CSRF at ArcGIS, would be linked, and the user's app would read
 * and write that account's content. The member must belong to the configured organisation ({@code orgId} of
 * {@code community/self}), and, when an identity provider of members is set, be an enterprise member
 * ({@code provider} {@code enterprise}) whose {@code idpUsername} (the organisation login's user identifier) is the
 * user's own subject at that identity provider.
 */
final class MemberBinding {

    /** Message keys of {@code theme-resources/messages}: what the user is told when a link is refused. */
    static final String OUTSIDE_ORGANIZATION = "arcgisLinkOutsideOrganization";
    static final String NOT_THE_USERS_ACCOUNT = "arcgisLinkNotYourAccount";
    static final String ORGANIZATION_UNKNOWN = "arcgisLinkOrganizationUnknown";

    private MemberBinding() {
    }

    /** The message key of the refusal, or null when the member may be linked to the user. */
    static String refusal(KeycloakSession session, ArcGisConfig config, JsonNode member, UserModel user) {
        String organization = config.getOrganizationId() != null ? config.getOrganizationId()
                : text(new ArcGisPortalClient(session, config).organization(), "id");
        if (organization == null) {
            return ORGANIZATION_UNKNOWN;
        }
        if (!organization.equals(text(member, "orgId"))) {
            return OUTSIDE_ORGANIZATION;
        }
        String identityProvider = config.getMemberIdentityProvider();
        if (identityProvider == null) {
            return null;
        }
        FederatedIdentityModel identity = session.users().getFederatedIdentity(session.getContext().getRealm(), user, identityProvider);
        boolean sameIdentity = identity != null && "enterprise".equals(text(member, "provider"))
                && identity.getUserId().equals(text(member, "idpUsername"));
        return sameIdentity ? null : NOT_THE_USERS_ACCOUNT;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isTextual() && !value.asText().isBlank() ? value.asText() : null;
    }
}
