package io.github.arcgisbridge.keycloak.exchange;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.keycloak.models.ClientModel;
import org.keycloak.models.RealmModel;
import org.keycloak.protocol.oidc.OIDCLoginProtocol;

import io.github.arcgisbridge.keycloak.error.Rejection;

/**
 * Turns {@code audience} (client ids) and {@code resource} (URLs listed as resource indicators) into the clients the
 * new token is for. Without either, the requester itself is the audience. A client outside the requester's
 * permitted audiences is refused before anything reveals whether it exists.
 */
final class ExchangeTargets {

    private ExchangeTargets() {
    }

    /** The target clients; the first one's protocol mappers shape the token. */
    static List<ClientModel> resolve(RealmModel realm, ClientModel requester, Set<String> permittedAudiences,
                                     Map<String, String> resourceIndicators, ExchangeRequest request) {
        Set<String> clientIds = new LinkedHashSet<>(request.audiences());
        for (String resource : request.resources()) {
            String clientId = resourceIndicators.get(resource);
            if (clientId == null) {
                throw Rejection.RESOURCE_UNKNOWN.exception();
            }
            clientIds.add(clientId);
        }
        if (clientIds.isEmpty()) {
            clientIds.add(requester.getClientId());
        }
        // An ID token tells its audience who signed in to it (OpenID Connect Core §2): only the requester itself may hold one.
        if (request.wantsIdToken() && !clientIds.equals(Set.of(requester.getClientId()))) {
            throw Rejection.ID_TOKEN_ONLY_FOR_REQUESTER.exception();
        }
        List<ClientModel> targets = new ArrayList<>();
        for (String clientId : clientIds) {
            if (!clientId.equals(requester.getClientId()) && !permittedAudiences.contains(clientId)) {
                throw Rejection.AUDIENCE_NOT_PERMITTED.exception();
            }
            ClientModel target = realm.getClientByClientId(clientId);
            if (target == null || target.getProtocol() != null && !OIDCLoginProtocol.LOGIN_PROTOCOL.equals(target.getProtocol())) {
                throw Rejection.AUDIENCE_UNKNOWN.exception();
            }
            if (!target.isEnabled()) {
                throw Rejection.AUDIENCE_DISABLED.exception();
            }
            targets.add(target);
        }
        return targets;
    }
}
