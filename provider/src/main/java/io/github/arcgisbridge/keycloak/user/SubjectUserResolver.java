package io.github.arcgisbridge.keycloak.user;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.keycloak.authentication.authenticators.util.AuthenticatorUtils;
import org.keycloak.events.Details;
import org.keycloak.events.EventBuilder;
import org.keycloak.events.EventType;
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
 * linked user only when the provider allows it, and never by taking over an existing account with the same
 * username or email.
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
        return user != null ? usable(user) : create(subject, subjectToken);
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

    private UserModel create(VerifiedSubject subject, String subjectToken) {
        if (!config.isCreateUsers()) {
            throw Rejection.USER_NOT_LINKED.exception();
        }
        JsonNode profile = profile(subject, subjectToken);
        String username = text(profile, config.getUsernameClaim());
        if (username == null) {
            throw Rejection.USERNAME_CLAIM_MISSING.exception();
        }
        String email = text(profile, "email");
        Rejection conflict = session.users().getUserByUsername(realm, username) != null ? Rejection.USERNAME_TAKEN
                : email != null && !realm.isDuplicateEmailsAllowed() && session.users().getUserByEmail(realm, email) != null
                ? Rejection.EMAIL_TAKEN : null;
        if (conflict != null) {
            // A concurrent first exchange for the same subject may have committed its user since the lookup above.
            UserModel linkedMeanwhile = linkedUser(subject);
            if (linkedMeanwhile == null) {
                throw conflict.exception();
            }
            return usable(linkedMeanwhile);
        }

        UserModel user = session.users().addUser(realm, username);
        user.setEnabled(true);
        user.setEmail(email);
        user.setFirstName(text(profile, "given_name"));
        user.setLastName(text(profile, "family_name"));
        user.setEmailVerified(email != null && config.isTrustEmail());
        session.users().addFederatedIdentity(realm, user,
                new FederatedIdentityModel(config.getAlias(), subject.subject(), username));

        event.clone().event(EventType.REGISTER)
                .user(user.getId())
                .detail(Details.REGISTER_METHOD, "token-exchange")
                .detail(Details.USERNAME, user.getUsername())
                .detail(Details.IDENTITY_PROVIDER, config.getAlias())
                .detail(Details.IDENTITY_PROVIDER_USERNAME, subject.subject())
                .success();
        return user;
    }

    /** The token's claims, completed by userinfo when the token lacks the username claim (access tokens only). */
    private JsonNode profile(VerifiedSubject subject, String subjectToken) {
        if (text(subject.claims(), config.getUsernameClaim()) != null || subject.kind() != SubjectTokenKind.ACCESS_TOKEN) {
            return subject.claims();
        }
        JsonNode userInfo = UserInfoClaims.fetch(session, config, subjectToken, subject.subject());
        if (userInfo == null) {
            return subject.claims();
        }
        ObjectNode merged = subject.claims().deepCopy();
        userInfo.properties().forEach(field -> merged.putIfAbsent(field.getKey(), field.getValue()));
        return merged;
    }

    private static String text(JsonNode claims, String name) {
        JsonNode value = claims.get(name);
        return value != null && value.isTextual() && !value.asText().isBlank() ? value.asText().trim() : null;
    }
}
