package io.github.arcgisbridge.keycloak.user;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import org.keycloak.broker.provider.BrokeredIdentityContext;
import org.keycloak.broker.provider.IdentityProviderMapper;
import org.keycloak.events.Details;
import org.keycloak.events.EventBuilder;
import org.keycloak.events.EventType;
import org.keycloak.models.FederatedIdentityModel;
import org.keycloak.models.IdentityProviderMapperModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.ModelDuplicateException;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.UserProvider;
import org.keycloak.userprofile.UserProfile;
import org.keycloak.userprofile.UserProfileContext;
import org.keycloak.userprofile.UserProfileProvider;
import org.keycloak.userprofile.ValidationException;

import io.github.arcgisbridge.keycloak.error.Rejection;
import io.github.arcgisbridge.keycloak.identityserver4.IdentityServer4Config;
import io.github.arcgisbridge.keycloak.metrics.BridgeMetrics;
import io.github.arcgisbridge.keycloak.metrics.BridgeMetrics.RegistrationResult;
import io.github.arcgisbridge.keycloak.subject.VerifiedSubject;
import io.github.arcgisbridge.keycloak.transaction.OwnTransaction;

/**
 * Creates the Keycloak user of an IdentityServer4 subject seen for the first time, as a browser first login through
 * the same identity provider would: the provider's mappers preprocess the identity, the realm's user profile (the
 * identity-provider review context) validates it, and the mappers import the new user. Usernames and emails of
 * unlinked users are never taken over.
 *
 * <p>The user and its link are committed in a transaction of their own. A concurrent first exchange for the same
 * subject, on this node or another, then meets the database's unique constraint here, inside this class, and answers
 * with the user the winner committed instead of failing the request.</p>
 */
final class UserRegistration {

    private static final long WINNER_WAIT_MILLIS = 2_000;
    private static final long WINNER_POLL_MILLIS = 50;

    private final KeycloakSession session;
    private final RealmModel realm;
    private final IdentityServer4Config config;
    private final EventBuilder event;

    UserRegistration(KeycloakSession session, IdentityServer4Config config, EventBuilder event) {
        this.session = session;
        this.realm = session.getContext().getRealm();
        this.config = config;
        this.event = event;
    }

    /** The id of the user now linked to the subject: created here, or by a concurrent request that won the race. */
    String register(VerifiedSubject subject, JsonNode userInfo) {
        BrokeredIdentityContext identity = BrokeredIdentity.of(config, subject, userInfo);
        List<IdentityProviderMapperModel> mappers = session.identityProviders().getMappersByAliasStream(config.getAlias()).toList();
        mappers.forEach(mapper -> mapper(mapper).preprocessFederatedIdentity(session, realm, mapper, identity));
        if (identity.getUsername() == null) {
            throw Rejection.USERNAME_CLAIM_MISSING.exception();
        }
        Map<String, List<String>> attributes = attributes(identity);
        validate(attributes);
        Rejection conflict = conflict(identity);
        if (conflict != null) {
            String winner = committedUserOf(subject).orElseThrow(conflict::exception);
            BridgeMetrics.registration(RegistrationResult.REUSED);
            return winner;
        }
        boolean emailVerified = BrokeredIdentity.emailVerified(config, subject, userInfo, identity.getEmail());
        String userId;
        try {
            userId = OwnTransaction.run(session, (fresh, freshRealm) -> create(fresh, freshRealm, attributes, emailVerified, identity, mappers));
        } catch (ValidationException e) {
            // The realm's user profile changed between the check above and the creation.
            throw Rejection.USER_PROFILE_INVALID.exception();
        } catch (ModelDuplicateException e) {
            String winner = winnerOf(subject, identity);
            BridgeMetrics.registration(RegistrationResult.REUSED);
            return winner;
        }
        BridgeMetrics.registration(RegistrationResult.CREATED);
        event.clone().event(EventType.REGISTER)
                .user(userId)
                .detail(Details.REGISTER_METHOD, "token-exchange")
                .detail(Details.USERNAME, identity.getUsername())
                .detail(Details.IDENTITY_PROVIDER, config.getAlias())
                .detail(Details.IDENTITY_PROVIDER_USERNAME, subject.subject())
                .success();
        return userId;
    }

    /** The realm's user profile rules, as the broker's review step applies them (username characters, email format, required attributes). */
    private void validate(Map<String, List<String>> attributes) {
        try {
            session.getProvider(UserProfileProvider.class).create(UserProfileContext.IDP_REVIEW, attributes).validate();
        } catch (ValidationException e) {
            event.detail("user_profile_errors", e.getErrors().stream()
                    .map(error -> error.getAttribute() + ":" + error.getMessage()).distinct().collect(Collectors.joining(",")));
            throw Rejection.USER_PROFILE_INVALID.exception();
        }
    }

    private Rejection conflict(BrokeredIdentityContext identity) {
        return committedConflict(session.users(), realm, identity);
    }

    /** A username or email (when the realm wants them unique) that an unlinked user already has. */
    private static Rejection committedConflict(UserProvider users, RealmModel realm, BrokeredIdentityContext identity) {
        if (users.getUserByUsername(realm, identity.getUsername()) != null) {
            return Rejection.USERNAME_TAKEN;
        }
        boolean emailTaken = identity.getEmail() != null && !realm.isDuplicateEmailsAllowed()
                && users.getUserByEmail(realm, identity.getEmail()) != null;
        return emailTaken ? Rejection.EMAIL_TAKEN : null;
    }

    private String create(KeycloakSession fresh, RealmModel freshRealm, Map<String, List<String>> attributes, boolean emailVerified,
                          BrokeredIdentityContext identity, List<IdentityProviderMapperModel> mappers) {
        UserProfile profile = fresh.getProvider(UserProfileProvider.class).create(UserProfileContext.IDP_REVIEW, attributes);
        UserModel user = profile.create();
        user.setEnabled(true);
        user.setEmailVerified(emailVerified);
        fresh.users().addFederatedIdentity(freshRealm, user,
                new FederatedIdentityModel(config.getAlias(), identity.getId(), identity.getUsername()));
        mappers.forEach(mapper -> mapper(mapper).importNewUser(fresh, freshRealm, user, mapper, identity));
        return user.getId();
    }

    /**
     * This request lost the race for the subject's user: the database refused a second user or link. On PostgreSQL the
     * refused insert waited for the winner's commit, so the winner's user is normally there at the first look; the
     * wait is bounded all the same. A username or email taken by another subject meanwhile is that subject's, not a race;
     * a winner that stays invisible past the bound (a database replica lagging behind) leaves the caller to retry.
     */
    private String winnerOf(VerifiedSubject subject, BrokeredIdentityContext identity) {
        long deadline = System.currentTimeMillis() + WINNER_WAIT_MILLIS;
        while (true) {
            Optional<String> winner = committedUserOf(subject);
            if (winner.isPresent()) {
                return winner.get();
            }
            Rejection conflict = OwnTransaction.run(session, (fresh, freshRealm) -> committedConflict(fresh.getProvider(UserProvider.class, "jpa"),
                    freshRealm, identity));
            if (conflict != null || System.currentTimeMillis() >= deadline) {
                throw (conflict != null ? conflict : Rejection.USER_CREATION_PENDING).exception();
            }
            pause();
        }
    }

    /** The user linked to the subject as committed in the database, read past this request's caches. */
    private Optional<String> committedUserOf(VerifiedSubject subject) {
        return Optional.ofNullable(OwnTransaction.run(session, (fresh, freshRealm) -> {
            UserModel user = fresh.getProvider(UserProvider.class, "jpa").getUserByFederatedIdentity(freshRealm,
                    new FederatedIdentityModel(config.getAlias(), subject.subject(), null));
            return user == null ? null : user.getId();
        }));
    }

    private Map<String, List<String>> attributes(BrokeredIdentityContext identity) {
        Map<String, List<String>> attributes = new HashMap<>(identity.getAttributes());
        put(attributes, UserModel.USERNAME, identity.getUsername());
        put(attributes, UserModel.EMAIL, identity.getEmail());
        put(attributes, UserModel.FIRST_NAME, identity.getFirstName());
        put(attributes, UserModel.LAST_NAME, identity.getLastName());
        return attributes;
    }

    private static void put(Map<String, List<String>> attributes, String name, String value) {
        if (value != null) {
            attributes.put(name, List.of(value));
        }
    }

    private IdentityProviderMapper mapper(IdentityProviderMapperModel model) {
        return (IdentityProviderMapper) session.getKeycloakSessionFactory().getProviderFactory(IdentityProviderMapper.class,
                model.getIdentityProviderMapper());
    }

    private static void pause() {
        try {
            Thread.sleep(WINNER_POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Rejection.USER_CREATION_PENDING.exception();
        }
    }
}
