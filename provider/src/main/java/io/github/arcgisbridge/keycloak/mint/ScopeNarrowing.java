package io.github.arcgisbridge.keycloak.mint;

import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;

import org.keycloak.OAuth2Constants;
import org.keycloak.models.ClientModel;

import io.github.arcgisbridge.keycloak.error.Rejection;

/**
 * The {@code scope} parameter of an exchange can only narrow: without it the target client's default client scopes
 * are granted; with it, only the named ones, each of which must be a default scope of the target. Optional scopes
 * are never added by an exchange, so a subject token never buys more than the target client grants by default.
 */
public final class ScopeNarrowing {

    private ScopeNarrowing() {
    }

    /** The client scopes to keep, or null to keep all default scopes. */
    public static Set<String> restrictedScopes(ClientModel target, String scopeParameter) {
        if (scopeParameter == null || scopeParameter.isBlank()) {
            return null;
        }
        Set<String> defaults = target.getClientScopes(true).keySet();
        Set<String> requested = new LinkedHashSet<>(Arrays.stream(scopeParameter.trim().split(" +")).toList());
        requested.remove(OAuth2Constants.SCOPE_OPENID);
        if (!defaults.containsAll(requested)) {
            throw Rejection.SCOPE_NOT_GRANTABLE.exception();
        }
        return requested;
    }
}
