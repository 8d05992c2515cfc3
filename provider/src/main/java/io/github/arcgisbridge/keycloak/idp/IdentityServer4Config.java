package io.github.arcgisbridge.keycloak.idp;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

import org.jboss.logging.Logger;
import org.keycloak.broker.oidc.OIDCIdentityProviderConfig;
import org.keycloak.models.Constants;
import org.keycloak.models.IdentityProviderModel;

/**
 * Reads the IdentityServer4 identity provider's settings. Every getter has a default and never throws: a missing
 * or malformed value is logged with the setting's name and the fallback used, and the fallback is always the
 * stricter choice (an empty trust list refuses every token).
 */
public final class IdentityServer4Config extends OIDCIdentityProviderConfig {

    public static final String ACCEPTED_AUDIENCES = "acceptedAudiences";
    public static final String ACCEPTED_CLIENT_IDS = "acceptedClientIds";
    public static final String REQUIRED_SCOPES = "requiredScopes";
    public static final String EXCHANGE_PERMISSIONS = "exchangePermissions";
    public static final String PUBLIC_CLIENTS = "publicClients";
    public static final String RESOURCE_INDICATORS = "resourceIndicators";
    public static final String INTROSPECTION_API_NAME = "introspectionApiName";
    public static final String INTROSPECTION_API_SECRET = "introspectionApiSecret";
    public static final String INTROSPECTION_CACHE_SECONDS = "introspectionCacheSeconds";
    public static final String CREATE_USERS = "createUsers";
    public static final String USERNAME_CLAIM = "usernameClaim";
    public static final String MAX_SUBJECT_TOKEN_AGE = "maxSubjectTokenAge";
    public static final String MAX_SUBJECT_TOKEN_SIZE = "maxSubjectTokenSize";

    static final int DEFAULT_INTROSPECTION_CACHE_SECONDS = 300;
    static final String DEFAULT_USERNAME_CLAIM = "preferred_username";
    static final int DEFAULT_MAX_SUBJECT_TOKEN_AGE = 3600;
    static final int DEFAULT_MAX_SUBJECT_TOKEN_SIZE = 16384;

    private static final Logger LOG = Logger.getLogger(IdentityServer4Config.class);

    public IdentityServer4Config(IdentityProviderModel model) {
        super(model);
    }

    public IdentityServer4Config() {
        super();
    }

    /** {@code aud} values of which a subject access token must carry at least one (when any are set). */
    public Set<String> getAcceptedAudiences() {
        return values(ACCEPTED_AUDIENCES);
    }

    /** IdentityServer4 clients ({@code client_id}, or {@code aud}/{@code azp} of ID tokens) whose tokens are accepted. */
    public Set<String> getAcceptedClientIds() {
        return values(ACCEPTED_CLIENT_IDS);
    }

    /** Scopes every subject access token must carry. */
    public Set<String> getRequiredScopes() {
        return values(REQUIRED_SCOPES);
    }

    /** Keycloak client allowed to exchange -> client ids it may request as audience. Unlisted clients may not exchange. */
    public Map<String, Set<String>> getExchangePermissions() {
        Map<String, Set<String>> permissions = new LinkedHashMap<>();
        pairs(EXCHANGE_PERMISSIONS).forEach((requester, audiences) -> permissions.put(requester,
                new LinkedHashSet<>(Arrays.stream(audiences.split(",")).map(String::trim).filter(a -> !a.isEmpty()).toList())));
        return permissions;
    }

    /** Public Keycloak client opted in to exchange -> the IdentityServer4 client its subject tokens must come from. */
    public Map<String, String> getPublicClients() {
        return pairs(PUBLIC_CLIENTS);
    }

    /** RFC 8707 resource indicator (URL) -> the Keycloak client id it stands for. */
    public Map<String, String> getResourceIndicators() {
        return pairs(RESOURCE_INDICATORS);
    }

    public String getIntrospectionApiName() {
        return blankToNull(getConfig().get(INTROSPECTION_API_NAME));
    }

    /** May be a vault reference such as {@code ${vault.is4_api_secret}}; resolve it through the session's vault. */
    public String getIntrospectionApiSecret() {
        return blankToNull(getConfig().get(INTROSPECTION_API_SECRET));
    }

    public boolean isReferenceTokenIntrospectionConfigured() {
        return getTokenIntrospectionUrl() != null && !getTokenIntrospectionUrl().isBlank()
                && getIntrospectionApiName() != null && getIntrospectionApiSecret() != null;
    }

    /** Upper bound for caching an introspection result; it is never cached beyond the token's own expiry. */
    public int getIntrospectionCacheSeconds() {
        return nonNegative(INTROSPECTION_CACHE_SECONDS, DEFAULT_INTROSPECTION_CACHE_SECONDS);
    }

    public boolean isCreateUsers() {
        return Boolean.parseBoolean(getConfig().get(CREATE_USERS));
    }

    public String getUsernameClaim() {
        String claim = blankToNull(getConfig().get(USERNAME_CLAIM));
        return claim == null ? DEFAULT_USERNAME_CLAIM : claim.trim();
    }

    /** Oldest acceptable {@code iat}, in seconds before now; 0 turns the check off (then only {@code exp} limits). */
    public int getMaxSubjectTokenAge() {
        return nonNegative(MAX_SUBJECT_TOKEN_AGE, DEFAULT_MAX_SUBJECT_TOKEN_AGE);
    }

    /** Subject tokens longer than this many characters are refused before any parsing. */
    public int getMaxSubjectTokenSize() {
        int size = nonNegative(MAX_SUBJECT_TOKEN_SIZE, DEFAULT_MAX_SUBJECT_TOKEN_SIZE);
        return size == 0 ? DEFAULT_MAX_SUBJECT_TOKEN_SIZE : size;
    }

    /** The exact issuers accepted in {@code iss} (Keycloak's issuer setting may list several, comma-separated). */
    public Set<String> getTrustedIssuers() {
        String issuer = getIssuer();
        if (issuer == null || issuer.isBlank()) {
            return Collections.emptySet();
        }
        return new LinkedHashSet<>(Arrays.stream(issuer.split(",")).map(String::trim).filter(i -> !i.isEmpty()).toList());
    }

    private Set<String> values(String key) {
        String raw = getConfig().get(key);
        if (raw == null || raw.isBlank()) {
            return Collections.emptySet();
        }
        return new LinkedHashSet<>(Arrays.stream(raw.split(Constants.CFG_DELIMITER)).map(String::trim).filter(v -> !v.isEmpty()).toList());
    }

    private Map<String, String> pairs(String key) {
        Map<String, String> pairs = new LinkedHashMap<>();
        for (String entry : values(key)) {
            int eq = entry.indexOf('=');
            if (eq <= 0 || eq == entry.length() - 1) {
                LOG.warnf("Identity provider '%s': entry '%s' of setting '%s' is not of the form key=value; ignoring it",
                        getAlias(), entry, key);
                continue;
            }
            pairs.put(entry.substring(0, eq).trim(), entry.substring(eq + 1).trim());
        }
        return pairs;
    }

    private int nonNegative(String key, int fallback) {
        String raw = blankToNull(getConfig().get(key));
        if (raw == null) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(raw.trim());
            if (value >= 0) {
                return value;
            }
        } catch (NumberFormatException ignored) {
            // logged below
        }
        LOG.warnf("Identity provider '%s': setting '%s' is not a non-negative whole number ('%s'); using %d",
                getAlias(), key, raw, fallback);
        return fallback;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
