package io.github.arcgisbridge.keycloak.mappers;

import java.util.ArrayList;
import java.util.List;

import org.keycloak.models.ClientSessionContext;
import org.keycloak.models.FederatedIdentityModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.ProtocolMapperModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.UserSessionModel;
import org.keycloak.protocol.ProtocolMapperUtils;
import org.keycloak.protocol.oidc.mappers.AbstractOIDCProtocolMapper;
import org.keycloak.protocol.oidc.mappers.OIDCAttributeMapperHelper;
import org.keycloak.protocol.oidc.mappers.OIDCIDTokenMapper;
import org.keycloak.protocol.oidc.mappers.UserInfoTokenMapper;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;
import org.keycloak.representations.IDToken;

/**
 * The claims ArcGIS's OpenID Connect login reads, shaped so that ArcGIS sees the identity it already knows from
 * IdentityServer4: {@code sub} is the user's IdentityServer4 subject (from the federated identity link; users
 * without a link keep Keycloak's id), the username claim is the IdentityServer4 username recorded on the link
 * (else the Keycloak username), plus {@code email}, {@code given_name}, {@code family_name} and {@code name}.
 *
 * <p>Only in ID tokens and userinfo, where ArcGIS reads them, never in access tokens: Keycloak finds the user of a
 * session-less access token by its {@code sub}, then by its {@code preferred_username}
 * ({@code TokenManager.lookupUserFromStatelessToken}), so an access token must keep Keycloak's own {@code sub} and
 * username, or a link user name that names another Keycloak user would make the token that user's.</p>
 */
public final class ArcGisClaimProfileMapper extends AbstractOIDCProtocolMapper implements OIDCIDTokenMapper, UserInfoTokenMapper {

    public static final String PROVIDER_ID = "arcgis-claim-profile-mapper";
    public static final String IDENTITY_PROVIDER = "identityProvider";
    public static final String USERNAME_CLAIM = "usernameClaim";
    static final String DEFAULT_IDENTITY_PROVIDER = "identityserver4";
    static final String DEFAULT_USERNAME_CLAIM = "preferred_username";

    /** After Keycloak's own sub, profile and email mappers, so the ArcGIS values win. */
    private static final int PRIORITY = ProtocolMapperUtils.PRIORITY_SCRIPT_MAPPER + 50;

    private static final List<ProviderConfigProperty> CONFIG_PROPERTIES;

    static {
        List<ProviderConfigProperty> properties = new ArrayList<>(ProviderConfigurationBuilder.create()
                .property().name(IDENTITY_PROVIDER).label("Identity provider alias")
                .helpText("Alias of the IdentityServer4 identity provider whose link supplies 'sub' and the username.")
                .type(ProviderConfigProperty.STRING_TYPE).defaultValue(DEFAULT_IDENTITY_PROVIDER).add()
                .property().name(USERNAME_CLAIM).label("ArcGIS username claim")
                .helpText("The claim named in ArcGIS's 'ArcGIS username field' setting, e.g. preferred_username or email.")
                .type(ProviderConfigProperty.STRING_TYPE).defaultValue(DEFAULT_USERNAME_CLAIM).add()
                .build());
        OIDCAttributeMapperHelper.addIncludeInTokensConfig(properties, ArcGisClaimProfileMapper.class);
        CONFIG_PROPERTIES = List.copyOf(properties);
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public String getDisplayType() {
        return "ArcGIS claim profile";
    }

    @Override
    public String getDisplayCategory() {
        return TOKEN_MAPPER_CATEGORY;
    }

    @Override
    public String getHelpText() {
        return "Sets sub, the ArcGIS username claim, email and names so ArcGIS maps the user to the member it already "
                + "knows from IdentityServer4.";
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return CONFIG_PROPERTIES;
    }

    @Override
    public int getPriority() {
        return PRIORITY;
    }

    @Override
    protected void setClaim(IDToken token, ProtocolMapperModel mapping, UserSessionModel userSession, KeycloakSession session,
                            ClientSessionContext clientSessionCtx) {
        if (userSession == null || userSession.getUser() == null) {
            return;
        }
        UserModel user = userSession.getUser();
        FederatedIdentityModel link = session.users()
                .getFederatedIdentity(session.getContext().getRealm(), user, setting(mapping, IDENTITY_PROVIDER, DEFAULT_IDENTITY_PROVIDER));
        String username = link != null && link.getUserName() != null ? link.getUserName() : user.getUsername();

        token.subject(link != null ? link.getUserId() : user.getId());
        token.setEmail(user.getEmail());
        token.setGivenName(user.getFirstName());
        token.setFamilyName(user.getLastName());
        token.setName(fullName(user));
        setUsername(token, setting(mapping, USERNAME_CLAIM, DEFAULT_USERNAME_CLAIM), username);
    }

    /**
     * Standard claims have fields of their own in Keycloak's token classes; writing them as extra claims would
     * duplicate them. When ArcGIS reads the username from {@code email}, the email claim already carries it.
     */
    private static void setUsername(IDToken token, String claim, String username) {
        switch (claim) {
            case "email" -> { }
            case "preferred_username" -> token.setPreferredUsername(username);
            case "nickname" -> token.setNickName(username);
            default -> token.getOtherClaims().put(claim, username);
        }
    }

    private static String fullName(UserModel user) {
        String name = ((user.getFirstName() == null ? "" : user.getFirstName()) + " "
                + (user.getLastName() == null ? "" : user.getLastName())).trim();
        return name.isEmpty() ? null : name;
    }

    private static String setting(ProtocolMapperModel mapping, String key, String fallback) {
        String value = mapping.getConfig() == null ? null : mapping.getConfig().get(key);
        return value == null || value.isBlank() ? fallback : value.trim();
    }
}
