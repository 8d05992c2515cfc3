package io.github.arcgisbridge.keycloak.user;

import com.fasterxml.jackson.databind.JsonNode;
import org.keycloak.authentication.authenticators.util.AuthenticatorUtils;
import org.keycloak.events.EventBuilder;
import org.keycloak.models.FederatedIdentityModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.services.managers.BruteForceProtector;

import io.github.arcgisbridge.keycloak.error.Rejection;
import io.github.arcgisbridge.keycloak.identityserver4.IdentityServer4Config;
import io.github.arcgisbridge.keycloak.subject.SubjectTokenKind;
import io.github.arcgisbridge.keycloak.subject.VerifiedSubject;

/**
 * Answers "who is this in Keycloak?". The key is the federated identity link (identity provider alias,
 * IdentityServer4 {@code sub}): the same link browser brokering creates, so a user who signed in through the
 * browser and one who first came through an exchange are the same Keycloak user. Unlinked subjects get a new,
 * linked user only when the provider allows it ({@link UserRegistration}).
 */
public final class SubjectUserResolver {

    private final KeycloakSession session;
    private final RealmModel realm;
    private final IdentityServer4Config config;
    private final EventBuilder event;

    public SubjectUserResolver(KeycloakSession session, IdentityServer4Config config, EventBuilder event) {
        this.session = session;
        this.realm = session.getContext().getRealm();
        this.config = config;
        this.event = event;
    }

    /**
     * @param subjectToken the verified subject token, only used to ask userinfo for the profile of a user about to
     *                     be created when the token lacks the username claim
     */
    public UserModel resolveOrCreate(VerifiedSubject subject, String subjectToken) {
        UserModel user = linkedUser(subject);
        if (user != null) {
            return usable(user);
        }
        if (!config.isCreateUsers()) {
            throw Rejection.USER_NOT_LINKED.exception();
        }
        String userId = new UserRegistration(session, config, event).register(subject, userInfoIfNeeded(subject, subjectToken));
        return usable(session.users().getUserById(realm, userId));
    }

    /** The linked user, never creating one: for targets that need more than a Keycloak user (an ArcGIS link). */
    public UserModel resolveLinked(VerifiedSubject subject, Rejection ifUnknown) {
        UserModel user = linkedUser(subject);
        if (user == null) {
            throw ifUnknown.exception();
        }
        return usable(user);
    }

    private UserModel linkedUser(VerifiedSubject subject) {
        return session.users().getUserByFederatedIdentity(realm, new FederatedIdentityModel(config.getAlias(), subject.subject(), null));
    }

    private UserModel usable(UserModel user) {
        if (!user.isEnabled()) {
            throw Rejection.USER_DISABLED.exception();
        }
        if (AuthenticatorUtils.getDisabledByBruteForceEventError(session.getProvider(BruteForceProtector.class), session, realm, user) != null) {
            throw Rejection.USER_LOCKED_OUT.exception();
        }
        return user;
    }

    /** IdentityServer4 access tokens usually carry no profile claims: userinfo names the new user then. */
    private JsonNode userInfoIfNeeded(VerifiedSubject subject, String subjectToken) {
        JsonNode username = subject.claims().get(config.getUsernameClaim());
        boolean named = username != null && username.isTextual() && !username.asText().isBlank();
        if (named || subject.kind() != SubjectTokenKind.ACCESS_TOKEN) {
            return null;
        }
        return UserInfoClaims.fetch(session, config, subjectToken, subject.subject());
    }
}
