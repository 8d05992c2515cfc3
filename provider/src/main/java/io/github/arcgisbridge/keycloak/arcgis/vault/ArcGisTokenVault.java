package io.github.arcgisbridge.keycloak.arcgis.vault;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiFunction;

import org.keycloak.cluster.ClusterProvider;
import org.keycloak.cluster.ExecutionResult;
import org.keycloak.common.util.Time;
import org.keycloak.models.FederatedIdentityModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.UserProvider;
import org.keycloak.models.utils.KeycloakModelUtils;
import org.keycloak.services.Urls;

import io.github.arcgisbridge.keycloak.error.RejectedException;
import io.github.arcgisbridge.keycloak.error.Rejection;
import io.github.arcgisbridge.keycloak.fingerprint.Fingerprint;
import io.github.arcgisbridge.keycloak.arcgis.ArcGisConfig;
import io.github.arcgisbridge.keycloak.arcgis.portal.ArcGisPortalClient;
import io.github.arcgisbridge.keycloak.arcgis.portal.PortalToken;

/**
 * Keeps each linked user's ArcGIS authorization usable: hands out the cached access token while it has more than the
 * refresh margin left; otherwise refreshes it with the {@code refresh_token} grant, and renews the refresh token
 * with {@code exchange_refresh_token} when that one nears its end. The grant lives encrypted on the federated
 * identity link.
 *
 * <p>Never two refreshes for one user at once: on a node, concurrent requests share one in-flight refresh; across
 * nodes, Keycloak's {@link ClusterProvider#executeIfNotExecuted} lets one node refresh while the others wait for
 * the link to show the new grant. Under that lock the link is read from the database in a transaction of its own,
 * and the new grant is committed before the lock is released, so no node refreshes from a superseded grant and no
 * waiting node is shown a stale one. One instance per server (held by the factory).</p>
 */
public final class ArcGisTokenVault {

    /** A grant this node obtained, with the stored value it replaced and the one it wrote. */
    private record Fresh(ArcGisGrant grant, String replacedFingerprint, String writtenFingerprint) { }

    private static final int REFRESH_TIMEOUT_SECONDS = 30;
    private static final long OTHER_NODE_POLL_MILLIS = 200;
    private static final int MAX_RECENT = 10_000;

    private final Map<String, CompletableFuture<ArcGisGrant>> inFlight = new ConcurrentHashMap<>();
    private final Map<String, Fresh> recent = new ConcurrentHashMap<>();

    /** The user's current ArcGIS grant with an access token good for more than the refresh margin. */
    public ArcGisGrant current(KeycloakSession session, ArcGisConfig config, UserModel user) {
        RealmModel realm = session.getContext().getRealm();
        FederatedIdentityModel link = session.users().getFederatedIdentity(realm, user, config.getAlias());
        if (link == null) {
            throw Rejection.ARCGIS_NOT_LINKED.exception();
        }
        long now = Time.currentTimeSeconds();
        String key = realm.getId() + "/" + config.getAlias() + "/" + user.getId();
        ArcGisGrant refreshedHere = recentlyRefreshed(key, link, config, now);
        if (refreshedHere != null) {
            return refreshedHere;
        }
        ArcGisGrant grant = ArcGisGrantCodec.decrypt(session, realm, link.getToken());
        if (grant == null || grant.refreshToken() == null) {
            throw Rejection.ARCGIS_NOT_LINKED.exception();
        }
        if (grant.accessTokenValidFor(config.getRefreshMarginSeconds(), now)) {
            return grant;
        }
        return refreshOnce(session, config, user, link, grant, key);
    }

    private ArcGisGrant refreshOnce(KeycloakSession session, ArcGisConfig config, UserModel user, FederatedIdentityModel link,
                                    ArcGisGrant grant, String key) {
        CompletableFuture<ArcGisGrant> mine = new CompletableFuture<>();
        CompletableFuture<ArcGisGrant> running = inFlight.putIfAbsent(key, mine);
        if (running != null) {
            return await(running);
        }
        try {
            // A refresh may have finished between this request's first look and taking the in-flight slot.
            ArcGisGrant refreshedMeanwhile = recentlyRefreshed(key, link, config, Time.currentTimeSeconds());
            if (refreshedMeanwhile != null) {
                mine.complete(refreshedMeanwhile);
                return refreshedMeanwhile;
            }
            ExecutionResult<ArcGisGrant> result = session.getProvider(ClusterProvider.class).executeIfNotExecuted(
                    "arcgis-refresh::" + key, REFRESH_TIMEOUT_SECONDS, () -> refresh(session, config, user, link, grant, key));
            ArcGisGrant refreshed = result.isExecuted() ? result.getResult() : waitForOtherNode(session, config, user, link);
            mine.complete(refreshed);
            return refreshed;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inFlight.remove(key, mine);
        }
    }

    /**
     * The grant this node refreshed last, if it is still good and still belongs to the link as this request read it:
     * either the value the refresh replaced (read before the refresh committed, or from a cache not yet updated) or
     * the one it wrote.
     */
    private ArcGisGrant recentlyRefreshed(String key, FederatedIdentityModel link, ArcGisConfig config, long now) {
        Fresh fresh = recent.get(key);
        String stored = Fingerprint.of(link.getToken());
        boolean sameLink = fresh != null && (stored.equals(fresh.writtenFingerprint()) || stored.equals(fresh.replacedFingerprint()));
        return sameLink && fresh.grant().accessTokenValidFor(config.getRefreshMarginSeconds(), now) ? fresh.grant() : null;
    }

    /**
     * Runs under the cluster-wide lock. The link is read again from the database first: another node may have
     * refreshed since this request read it (through a cache, or its own persistence context), and refreshing from a
     * superseded grant would spend a refresh token ArcGIS may already have replaced.
     */
    private ArcGisGrant refresh(KeycloakSession session, ArcGisConfig config, UserModel user, FederatedIdentityModel link,
                                ArcGisGrant grant, String key) {
        long now = Time.currentTimeSeconds();
        FederatedIdentityModel stored = storedLink(session, user, config.getAlias());
        if (stored == null) {
            throw Rejection.ARCGIS_NOT_LINKED.exception();
        }
        boolean changedMeanwhile = !Fingerprint.of(stored.getToken()).equals(Fingerprint.of(link.getToken()));
        ArcGisGrant current = changedMeanwhile ? ArcGisGrantCodec.decrypt(session, session.getContext().getRealm(), stored.getToken()) : grant;
        if (current == null || current.refreshToken() == null) {
            throw Rejection.ARCGIS_NOT_LINKED.exception();
        }
        if (changedMeanwhile && current.accessTokenValidFor(config.getRefreshMarginSeconds(), now)) {
            return current;
        }
        ArcGisGrant next = redeem(session, config, current, now);
        String encrypted = ArcGisGrantCodec.encrypt(session, session.getContext().getRealm(), next);
        commit(session, user, new FederatedIdentityModel(stored.getIdentityProvider(), stored.getUserId(), stored.getUserName(), encrypted));
        if (recent.size() >= MAX_RECENT) {
            recent.values().removeIf(fresh -> fresh.grant().accessTokenExpiresAt() <= now);
        }
        recent.put(key, new Fresh(next, Fingerprint.of(link.getToken()), Fingerprint.of(encrypted)));
        return next;
    }

    /** Asks ArcGIS for a new access token, renewing the refresh token first when it nears its end. */
    private static ArcGisGrant redeem(KeycloakSession session, ArcGisConfig config, ArcGisGrant grant, long now) {
        if (grant.refreshTokenExpiresAt() <= now) {
            throw Rejection.ARCGIS_AUTHORIZATION_INVALID.exception();
        }
        ArcGisPortalClient portal = new ArcGisPortalClient(session, config);
        ArcGisGrant next = grant;
        if (grant.refreshTokenExpiresWithin(config.getRenewalMarginSeconds(), now)) {
            RealmModel realm = session.getContext().getRealm();
            String redirectUri = Urls.identityProviderAuthnResponse(session.getContext().getUri().getBaseUri(),
                    config.getAlias(), realm.getName()).toString();
            PortalToken renewed = portal.renew(grant.refreshToken(), redirectUri);
            next = next.withRefreshToken(renewed.value(), renewed.expiresAt(now));
        }
        PortalToken refreshed = portal.refresh(next.refreshToken());
        return next.withAccessToken(refreshed.value(), refreshed.expiresAt(now));
    }

    /**
     * Writes the new grant in a transaction of its own, committed before the cluster lock is released: the next lock
     * holder and the nodes waiting read it, and a renewed refresh token is never lost to a later failure of this request.
     */
    private static void commit(KeycloakSession session, UserModel user, FederatedIdentityModel link) {
        inOwnTransaction(session, (fresh, realm) -> {
            fresh.users().updateFederatedIdentity(realm, fresh.users().getUserById(realm, user.getId()), link);
            return null;
        });
    }

    /** Another node holds the refresh: read the link until it carries a grant usable again. */
    private ArcGisGrant waitForOtherNode(KeycloakSession session, ArcGisConfig config, UserModel user, FederatedIdentityModel before) {
        long deadline = System.currentTimeMillis() + REFRESH_TIMEOUT_SECONDS * 1000L;
        while (System.currentTimeMillis() < deadline) {
            sleep();
            FederatedIdentityModel link = storedLink(session, user, config.getAlias());
            if (link == null) {
                throw Rejection.ARCGIS_NOT_LINKED.exception();
            }
            if (!Fingerprint.of(link.getToken()).equals(Fingerprint.of(before.getToken()))) {
                ArcGisGrant grant = ArcGisGrantCodec.decrypt(session, session.getContext().getRealm(), link.getToken());
                if (grant != null && grant.accessTokenValidFor(config.getRefreshMarginSeconds(), Time.currentTimeSeconds())) {
                    return grant;
                }
            }
        }
        throw Rejection.ARCGIS_UNAVAILABLE.exception();
    }

    /**
     * The link as committed in the database, read in a new transaction straight from the JPA store: neither this
     * request's persistence context nor a user cache entry not yet invalidated by another node can hide a change.
     */
    private static FederatedIdentityModel storedLink(KeycloakSession session, UserModel user, String alias) {
        return inOwnTransaction(session, (fresh, realm) ->
                fresh.getProvider(UserProvider.class, "jpa").getFederatedIdentity(realm, user, alias));
    }

    /** Runs the work in a new session and transaction, committed when it returns, with this request's realm. */
    private static <T> T inOwnTransaction(KeycloakSession session, BiFunction<KeycloakSession, RealmModel, T> work) {
        String realmId = session.getContext().getRealm().getId();
        return KeycloakModelUtils.runJobInTransactionWithResult(session.getKeycloakSessionFactory(), fresh -> {
            RealmModel realm = fresh.realms().getRealm(realmId);
            fresh.getContext().setRealm(realm);
            return work.apply(fresh, realm);
        });
    }

    private static ArcGisGrant await(CompletableFuture<ArcGisGrant> running) {
        try {
            return running.get(REFRESH_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RejectedException rejected) {
                throw rejected.rejection().exception();
            }
            throw Rejection.ARCGIS_UNAVAILABLE.exception();
        } catch (TimeoutException e) {
            throw Rejection.ARCGIS_UNAVAILABLE.exception();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Rejection.ARCGIS_UNAVAILABLE.exception();
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(OTHER_NODE_POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Rejection.ARCGIS_UNAVAILABLE.exception();
        }
    }
}
