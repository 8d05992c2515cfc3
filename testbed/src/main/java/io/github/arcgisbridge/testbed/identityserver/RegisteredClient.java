package io.github.arcgisbridge.testbed.identityserver;

import java.util.Set;

/**
 * A client registered at the issuer for the authorization code flow; a null secret makes it a public client, which
 * must use PKCE. IdentityServer4 matches redirect URIs exactly.
 */
public record RegisteredClient(String clientId, String secret, Set<String> redirectUris) {

    public RegisteredClient {
        redirectUris = Set.copyOf(redirectUris);
    }
}
