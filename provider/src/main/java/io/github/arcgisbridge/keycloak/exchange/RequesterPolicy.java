package io.github.arcgisbridge.keycloak.exchange;

import java.util.Set;

import org.keycloak.models.ClientModel;

import io.github.arcgisbridge.keycloak.error.Rejection;
import io.github.arcgisbridge.keycloak.identityserver4.IdentityServer4Config;
import io.github.arcgisbridge.keycloak.subject.SubjectTokenKind;
import io.github.arcgisbridge.keycloak.subject.VerifiedSubject;

/**
 * Which authenticated Keycloak clients may exchange this provider's tokens, for which audiences, and, for public
 * clients (which prove nothing about themselves), from which IdentityServer4 client their subject tokens must come.
 */
final class RequesterPolicy {

    private final IdentityServer4Config config;
    private final ClientModel requester;

    RequesterPolicy(IdentityServer4Config config, ClientModel requester) {
        this.config = config;
        this.requester = requester;
    }

    /** The audiences the requester may ask for besides itself; refuses requesters that may not exchange at all. */
    Set<String> permittedAudiences() {
        Set<String> audiences = config.getExchangePermissions().get(requester.getClientId());
        if (audiences == null) {
            throw Rejection.REQUESTER_NOT_PERMITTED.exception();
        }
        if (requester.isPublicClient() && !config.getPublicClients().containsKey(requester.getClientId())) {
            throw Rejection.PUBLIC_CLIENT_NOT_OPTED_IN.exception();
        }
        return audiences;
    }

    /**
     * ID tokens only when an administrator accepts them, and never from public clients: an ID token is meant for the
     * client it was issued to and leaks easily (it travels in logout URLs as id_token_hint), and a public client proves
     * nothing about itself.
     */
    void checkSubjectTokenKind(SubjectTokenKind kind) {
        if (kind == SubjectTokenKind.ID_TOKEN && (!config.isAcceptIdTokens() || requester.isPublicClient())) {
            throw Rejection.ID_TOKEN_NOT_ACCEPTED.exception();
        }
    }

    /** A public requester's subject token must have been issued to the IdentityServer4 client it is paired with. */
    void checkPairing(VerifiedSubject subject) {
        if (requester.isPublicClient() && !config.getPublicClients().get(requester.getClientId()).equals(subject.clientId())) {
            throw Rejection.SUBJECT_CLIENT_NOT_PAIRED.exception();
        }
    }
}
