package io.github.arcgisbridge.keycloak.idp;

import java.util.List;

import org.keycloak.broker.oidc.OIDCIdentityProviderFactory;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;

/**
 * Identity provider type "IdentityServer4". Its id contains {@code oidc}, so the admin console shows Keycloak's full
 * OpenID Connect settings (discovery import, issuer, JWKS URL, client authentication, clock skew) and, below them,
 * the token-exchange settings declared here.
 */
public final class IdentityServer4IdentityProviderFactory extends OIDCIdentityProviderFactory {

    public static final String PROVIDER_ID = "identityserver4-oidc";

    private static final List<ProviderConfigProperty> CONFIG_PROPERTIES = ProviderConfigurationBuilder.create()
            .property().name(IdentityServer4Config.ACCEPTED_AUDIENCES).label("Accepted audiences")
            .helpText("Token exchange: a subject access token must carry at least one of these 'aud' values. "
                    + "IdentityServer4 puts API resource names here, or '<issuer>/resources' with EmitStaticAudienceClaim. "
                    + "Leave empty for tokens without 'aud' and bind by client id instead. With neither this nor "
                    + "'Accepted client ids' set, every token is refused.")
            .type(ProviderConfigProperty.MULTIVALUED_STRING_TYPE).add()
            .property().name(IdentityServer4Config.ACCEPTED_CLIENT_IDS).label("Accepted client ids")
            .helpText("Token exchange: IdentityServer4 clients whose tokens are accepted ('client_id' of access tokens, "
                    + "'aud'/'azp' of ID tokens). When set, tokens of other clients are refused.")
            .type(ProviderConfigProperty.MULTIVALUED_STRING_TYPE).add()
            .property().name(IdentityServer4Config.REQUIRED_SCOPES).label("Required scopes")
            .helpText("Token exchange: scopes every subject access token must carry ('scope' as JSON array or "
                    + "space-delimited string). ID tokens carry no scopes and are refused when this is set.")
            .type(ProviderConfigProperty.MULTIVALUED_STRING_TYPE).add()
            .property().name(IdentityServer4Config.EXCHANGE_PERMISSIONS).label("Exchange permissions")
            .helpText("Token exchange: which Keycloak clients may exchange tokens of this provider, and for which "
                    + "audiences. One entry per requesting client: 'requester=audience1,audience2' (client ids). "
                    + "A listed client may always ask for itself. Unlisted clients are refused (unauthorized_client).")
            .type(ProviderConfigProperty.MULTIVALUED_STRING_TYPE).add()
            .property().name(IdentityServer4Config.PUBLIC_CLIENTS).label("Public clients")
            .helpText("Token exchange: public Keycloak clients (single-page apps) opted in to exchange, each bound to "
                    + "the IdentityServer4 client it pairs with: 'keycloak-client=identityserver4-client'. Their subject "
                    + "tokens must come from that client. Public clients not listed here are refused.")
            .type(ProviderConfigProperty.MULTIVALUED_STRING_TYPE).add()
            .property().name(IdentityServer4Config.RESOURCE_INDICATORS).label("Resource indicators")
            .helpText("Token exchange: 'resource' parameter values (URLs) and the Keycloak client each stands for: "
                    + "'https://example.maps.arcgis.com/sharing/rest=arcgis-online'. Unlisted resources are refused "
                    + "(invalid_target).")
            .type(ProviderConfigProperty.MULTIVALUED_STRING_TYPE).add()
            .property().name(IdentityServer4Config.INTROSPECTION_API_NAME).label("Introspection API name")
            .helpText("Reference (opaque) tokens: the IdentityServer4 API resource name used as HTTP Basic user at the "
                    + "introspection endpoint ('Token introspection URL' above). Without it, reference tokens are refused.")
            .type(ProviderConfigProperty.STRING_TYPE).add()
            .property().name(IdentityServer4Config.INTROSPECTION_API_SECRET).label("Introspection API secret")
            .helpText("The API resource's secret. Supports vault references such as ${vault.is4_api_secret}.")
            .type(ProviderConfigProperty.PASSWORD).secret(true).add()
            .property().name(IdentityServer4Config.INTROSPECTION_CACHE_SECONDS).label("Introspection cache (seconds)")
            .helpText("How long an active introspection result may be reused; never longer than the token lives. 0 disables caching.")
            .type(ProviderConfigProperty.STRING_TYPE).defaultValue(String.valueOf(IdentityServer4Config.DEFAULT_INTROSPECTION_CACHE_SECONDS)).add()
            .property().name(IdentityServer4Config.CREATE_USERS).label("Create users on first exchange")
            .helpText("Token exchange: create and link a Keycloak user for an IdentityServer4 subject not linked yet. "
                    + "A username or email already taken by an unlinked user is refused, never merged.")
            .type(ProviderConfigProperty.BOOLEAN_TYPE).defaultValue("false").add()
            .property().name(IdentityServer4Config.USERNAME_CLAIM).label("Username claim")
            .helpText("Claim that names users created on first exchange (from the token, else from IdentityServer4's userinfo).")
            .type(ProviderConfigProperty.STRING_TYPE).defaultValue(IdentityServer4Config.DEFAULT_USERNAME_CLAIM).add()
            .property().name(IdentityServer4Config.MAX_SUBJECT_TOKEN_AGE).label("Maximum subject token age (seconds)")
            .helpText("Subject tokens issued ('iat') longer ago than this are refused, whatever their 'exp'. 0: only 'exp' limits.")
            .type(ProviderConfigProperty.STRING_TYPE).defaultValue(String.valueOf(IdentityServer4Config.DEFAULT_MAX_SUBJECT_TOKEN_AGE)).add()
            .property().name(IdentityServer4Config.MAX_SUBJECT_TOKEN_SIZE).label("Maximum subject token size (characters)")
            .helpText("Longer subject tokens are refused before they are parsed.")
            .type(ProviderConfigProperty.STRING_TYPE).defaultValue(String.valueOf(IdentityServer4Config.DEFAULT_MAX_SUBJECT_TOKEN_SIZE)).add()
            .build();

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public String getName() {
        return "IdentityServer4";
    }

    @Override
    public IdentityServer4IdentityProvider create(KeycloakSession session, IdentityProviderModel model) {
        return new IdentityServer4IdentityProvider(session, new IdentityServer4Config(model));
    }

    @Override
    public IdentityServer4Config createConfig() {
        return new IdentityServer4Config();
    }

    @Override
    public List<ProviderConfigProperty> getConfigProperties() {
        return CONFIG_PROPERTIES;
    }
}
