package io.github.arcgisbridge.keycloak.identityserver4;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.keycloak.broker.oidc.OIDCIdentityProviderConfig;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.utils.KeycloakSessionUtil;

import io.github.arcgisbridge.keycloak.arcgis.ArcGisConfig;

import io.github.arcgisbridge.keycloak.settings.Setting;
import io.github.arcgisbridge.keycloak.settings.SettingList;
import io.github.arcgisbridge.keycloak.settings.SettingReader;

/**
 * The token-exchange settings of an IdentityServer4 identity provider, each declared beside its getter; Keycloak's own
 * OpenID Connect settings (issuer, JWKS URL, clock skew, userinfo) come from the superclass. Getters never throw: a
 * missing or malformed value gives the default, and every default is the stricter choice (an empty trust list
 * refuses every token, an empty permission list every requester).
 */
public final class IdentityServer4Config extends OIDCIdentityProviderConfig {

    private static final SettingList SETTINGS = new SettingList();

    public IdentityServer4Config(IdentityProviderModel model) {
        super(model);
    }

    public IdentityServer4Config() {
        super();
    }

    /** The admin-console form fields of this provider type, below Keycloak's OpenID Connect panels. */
    public static List<ProviderConfigProperty> configProperties() {
        return SETTINGS.properties();
    }

    public static List<Setting> declaredSettings() {
        return SETTINGS.all();
    }

    public static final Setting ACCEPTED_AUDIENCES = SETTINGS.multivalued("acceptedAudiences", "Accepted audiences",
            "Token exchange: a subject access token must carry at least one of these 'aud' values. IdentityServer4 puts "
                    + "API resource names here, or '<issuer>/resources' with EmitStaticAudienceClaim. Leave empty for tokens "
                    + "without 'aud' and bind by client id instead. With neither this nor 'Accepted client ids' set, every "
                    + "token is refused.");

    /** {@code aud} values of which a subject access token must carry at least one (when any are set). */
    public Set<String> getAcceptedAudiences() {
        return settings().values(ACCEPTED_AUDIENCES);
    }

    public static final Setting ACCEPTED_CLIENT_IDS = SETTINGS.multivalued("acceptedClientIds", "Accepted client ids",
            "Token exchange: IdentityServer4 clients whose tokens are accepted ('client_id' of access tokens, 'aud'/'azp' "
                    + "of ID tokens). When set, tokens of other clients are refused.");

    /** IdentityServer4 clients ({@code client_id}, or {@code aud}/{@code azp} of ID tokens) whose tokens are accepted. */
    public Set<String> getAcceptedClientIds() {
        return settings().values(ACCEPTED_CLIENT_IDS);
    }

    public static final Setting REQUIRED_SCOPES = SETTINGS.multivalued("requiredScopes", "Required scopes",
            "Token exchange: scopes every subject access token must carry ('scope' as JSON array or space-delimited "
                    + "string). ID tokens carry no scopes and are refused when this is set.");

    /** Scopes every subject access token must carry. */
    public Set<String> getRequiredScopes() {
        return settings().values(REQUIRED_SCOPES);
    }

    public static final Setting ACCEPT_ID_TOKENS = SETTINGS.flag("acceptIdTokens", "Accept ID tokens",
            "Token exchange: also accept IdentityServer4 ID tokens as subject tokens (subject_token_type id_token), from "
                    + "confidential clients only. Off by default: an ID token is meant for the client it was issued to and "
                    + "leaks easily (it travels in logout URLs as id_token_hint); prefer access tokens.", false);

    public boolean isAcceptIdTokens() {
        return settings().flag(ACCEPT_ID_TOKENS);
    }

    public static final Setting EXCHANGE_PERMISSIONS = SETTINGS.multivalued("exchangePermissions", "Exchange permissions",
            "Token exchange: which Keycloak clients may exchange tokens of this provider, and for which audiences. One "
                    + "entry per requesting client: 'requester=audience1,audience2' (client ids; the alias of an ArcGIS "
                    + "identity provider stands for the user's ArcGIS token). A listed client may always ask for itself. "
                    + "Unlisted clients are refused (unauthorized_client).");

    /** Keycloak client allowed to exchange -> client ids it may request as audience. Unlisted clients may not exchange. */
    public Map<String, Set<String>> getExchangePermissions() {
        Map<String, Set<String>> permissions = new java.util.LinkedHashMap<>();
        settings().pairs(EXCHANGE_PERMISSIONS).forEach((requester, audiences) -> permissions.put(requester,
                new LinkedHashSet<>(Arrays.stream(audiences.split(",")).map(String::trim).filter(a -> !a.isEmpty()).toList())));
        return permissions;
    }

    public static final Setting PUBLIC_CLIENTS = SETTINGS.multivalued("publicClients", "Public clients",
            "Token exchange: public Keycloak clients (single-page apps) opted in to exchange, each bound to the "
                    + "IdentityServer4 client it pairs with: 'keycloak-client=identityserver4-client'. Their subject tokens "
                    + "must come from that client. Public clients not listed here are refused.");

    /** Public Keycloak client opted in to exchange -> the IdentityServer4 client its subject tokens must come from. */
    public Map<String, String> getPublicClients() {
        return settings().pairs(PUBLIC_CLIENTS);
    }

    public static final Setting RESOURCE_INDICATORS = SETTINGS.multivalued("resourceIndicators", "Resource indicators",
            "Token exchange: 'resource' parameter values (URLs) and what each stands for: a Keycloak client id "
                    + "('https://api.example.org/maps=map-api') or the alias of an ArcGIS identity provider, for the user's "
                    + "ArcGIS token ('https://<org>.maps.arcgis.com/sharing/rest=arcgis'). Each URL has one meaning; unlisted "
                    + "resources are refused (invalid_target).");

    /** RFC 8707 resource indicator (URL) -> the Keycloak client id it stands for. */
    public Map<String, String> getResourceIndicators() {
        return settings().pairs(RESOURCE_INDICATORS);
    }

    public static final Setting INTROSPECTION_API_NAME = SETTINGS.text("introspectionApiName", "Introspection API name",
            "Reference (opaque) tokens: the IdentityServer4 API resource name used as HTTP Basic user at the "
                    + "introspection endpoint ('Token introspection URL' above). Without it, reference tokens are refused.", null);

    public String getIntrospectionApiName() {
        return settings().text(INTROSPECTION_API_NAME);
    }

    public static final Setting INTROSPECTION_API_SECRET = SETTINGS.secret("introspectionApiSecret", "Introspection API secret",
            "The API resource's secret. Supports vault references such as ${vault.is4_api_secret}.");

    /** May be a vault reference such as {@code ${vault.is4_api_secret}}; resolve it through the session's vault. */
    public String getIntrospectionApiSecret() {
        return settings().text(INTROSPECTION_API_SECRET);
    }

    public boolean isReferenceTokenIntrospectionConfigured() {
        return getTokenIntrospectionUrl() != null && !getTokenIntrospectionUrl().isBlank()
                && getIntrospectionApiName() != null && getIntrospectionApiSecret() != null;
    }

    public static final Setting INTROSPECTION_CACHE_SECONDS = SETTINGS.number("introspectionCacheSeconds", "Introspection cache (seconds)",
            "How long an active introspection result may be reused; never longer than the token lives. 0 disables caching.", 300);

    /** Upper bound for caching an introspection result; it is never cached beyond the token's own expiry. */
    public int getIntrospectionCacheSeconds() {
        return settings().nonNegative(INTROSPECTION_CACHE_SECONDS);
    }

    public static final Setting CREATE_USERS = SETTINGS.flag("createUsers", "Create users on first exchange",
            "Token exchange: create and link a Keycloak user for an IdentityServer4 subject not linked yet. A username or "
                    + "email already taken by an unlinked user is refused, never merged.", false);

    public boolean isCreateUsers() {
        return settings().flag(CREATE_USERS);
    }

    public static final Setting USERNAME_CLAIM = SETTINGS.text("usernameClaim", "Username claim",
            "Claim that names users created on first exchange (from the token, else from IdentityServer4's userinfo).",
            "preferred_username");

    public String getUsernameClaim() {
        return settings().text(USERNAME_CLAIM);
    }

    public static final Setting MAX_SUBJECT_TOKEN_AGE = SETTINGS.number("maxSubjectTokenAge", "Maximum subject token age (seconds)",
            "Subject tokens issued ('iat') longer ago than this are refused, whatever their 'exp'. 0: only 'exp' limits.", 3600);

    /** Oldest acceptable {@code iat}, in seconds before now; 0 turns the check off (then only {@code exp} limits). */
    public int getMaxSubjectTokenAge() {
        return settings().nonNegative(MAX_SUBJECT_TOKEN_AGE);
    }

    public static final Setting MAX_SUBJECT_TOKEN_SIZE = SETTINGS.number("maxSubjectTokenSize", "Maximum subject token size (characters)",
            "Longer subject tokens are refused before they are parsed.", 16384);

    /** Subject tokens longer than this many characters are refused before any parsing. */
    public int getMaxSubjectTokenSize() {
        return settings().positive(MAX_SUBJECT_TOKEN_SIZE);
    }

    /** The exact issuers accepted in {@code iss} (Keycloak's issuer setting may list several, comma-separated). */
    public Set<String> getTrustedIssuers() {
        String issuer = getIssuer();
        if (issuer == null || issuer.isBlank()) {
            return Collections.emptySet();
        }
        return new LinkedHashSet<>(Arrays.stream(issuer.split(",")).map(String::trim).filter(i -> !i.isEmpty()).toList());
    }

    /**
     * Refuses, when an administrator saves it, a resource indicator that would give one {@code resource} two meanings:
     * its value names both a Keycloak client and an ArcGIS identity provider (whose alias stands for the user's ArcGIS
     * token). The exchange refuses such a request too, should the configuration arrive another way.
     */
    @Override
    public void validate(RealmModel realm) {
        super.validate(realm);
        KeycloakSession session = KeycloakSessionUtil.getKeycloakSession();
        for (Map.Entry<String, String> indicator : getResourceIndicators().entrySet()) {
            IdentityProviderModel arcgis = session == null ? null : session.identityProviders().getByAlias(indicator.getValue());
            boolean namesArcGis = arcgis != null && ArcGisConfig.PROVIDER_ID.equals(arcgis.getProviderId());
            if (namesArcGis && realm.getClientByClientId(indicator.getValue()) != null) {
                throw new IllegalArgumentException("Resource indicator '" + indicator.getKey() + "' names '" + indicator.getValue()
                        + "', which is both a client and an ArcGIS identity provider: rename one so the resource has one meaning");
            }
        }
    }

    private SettingReader settings() {
        return new SettingReader(getConfig(), "Identity provider '" + getAlias() + "'");
    }
}
