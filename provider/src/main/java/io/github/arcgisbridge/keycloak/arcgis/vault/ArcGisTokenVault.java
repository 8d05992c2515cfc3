package io.github.arcgisbridge.keycloak.arcgis.vault;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.jboss.logging.Logger;
import org.keycloak.cluster.ClusterProvider;
import org.keycloak.cluster.ExecutionResult;
import org.keycloak.common.util.Time;
import org.keycloak.models.FederatedIdentityModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.UserProvider;
import org.keycloak.services.Urls;

import io.github.arcgisbridge.keycloak.arcgis.ArcGisConfig;
import io.github.arcgisbridge.keycloak.arcgis.SingleFlight;
import io.github.arcgisbridge.keycloak.arcgis.portal.ArcGisPortalClient;
import io.github.arcgisbridge.keycloak.error.RejectedException;
import io.github.arcgisbridge.keycloak.error.Rejection;
import io.github.arcgisbridge.keycloak.fingerprint.Fingerprint;
import io.github.arcgisbridge.keycloak.metrics.BridgeMetrics;
import io.github.arcgisbridge.keycloak.metrics.BridgeMetrics.VaultResult;
import io.github.arcgisbridge.keycloak.transaction.OwnTransaction;

/**
 * Keeps each linked user's ArcGIS authorization usable. The cached access token is handed out while it has more
 * than the refresh margin left and the app has not reported it refused; otherwise one ArcGIS call replaces it: the
 * {@code refresh_token} grant, or, once the refresh token nears its end, the {@code exchange_refresh_token} grant,
 * which returns a new access token and a new refresh token together. The grant lives encrypted on the federated
 * identity link.
 *
 * <p>Never two ArcGIS calls for one user at once: on a node, concurrent requests share one in-flight refresh; across
 * nodes, Keycloak's cluster lock ({@link ClusterProvider#executeIfNotExecuted}) lets one node call ArcGIS while the
 * others wait for the lock to be released ({@link ClusterProvider#executeIfNotExecutedAsync}, no database polling)
 * and then read the link once. Under the lock the link is read from the database in a transaction of its own, and the
 * new grant is committed before the lock is released and before anything else can fail. The number of requests on
 * this path is bounded per node; beyond it, callers are told to retry. One instance per server (held by the factory).</p>
 */
public final class ArcGisTokenVault {

    /** A grant this node obtained, with the stored value it replaced and the one it wrote. */
    private record Fresh(ArcGisGrant grant, String replacedFingerprint, String writtenFingerprint) { }

    private static final Logger LOG = Logger.getLogger(ArcGisTokenVault.class);
    private static final String LOCK_PREFIX = "arcgis-refresh::";
    /** Lease of the cluster lock: longer than an ArcGIS call bounded by the HTTP client's timeouts can take. */
    private static final int LOCK_SECONDS = 30;
    /** How long a request waits for another request's or node's refresh before it is told to retry. */
    private static final int WAIT_SECONDS = 15;
    private static final int MAX_RECENT = 10_000;

    private final SingleFlight<ArcGisGrant> refreshes = new SingleFlight<>(WAIT_SECONDS, () -> BridgeMetrics.vault(VaultResult.SHARED));
    private final Map<String, Fresh> recent = new ConcurrentHashMap<>();
    private final Semaphore refreshSlots;

    /** @param maxConcurrentRefreshes requests allowed at once on the refresh path of this node, waiting ones included */
    public ArcGisTokenVault(int maxConcurrentRefreshes) {
        this.refreshSlots = new Semaphore(maxConcurrentRefreshes);
    }

    /**
     * The user's current ArcGIS grant, with an access token good for more than the refresh margin.
     *
     * @param refusedToken an ArcGIS token the app reports ArcGIS refused (498), or null: when it is the stored one, a
     *                     new one is obtained even though it has not expired (revoked, invalidated by a password change)
     */
    public ArcGisGrant current(KeycloakSession session, ArcGisConfig config, UserModel user, String refusedToken) {
        RealmModel realm = session.getContext().getRealm();
        FederatedIdentityModel link = session.users().getFederatedIdentity(realm, user, config.getAlias());
        if (link == null) {
            throw Rejection.ARCGIS_NOT_LINKED.exception();
        }
        Want want = new Want(config, new GrantBinding(realm.getId(), user.getId(), config.getAlias(), link.getUserId()),
                refusedToken == null ? null : Fingerprint.of(refusedToken));
        String key = realm.getId() + "/" + config.getAlias() + "/" + user.getId();
        ArcGisGrant refreshedHere = recentlyRefreshed(key, link.getToken(), want);
        ArcGisGrant grant = refreshedHere != null ? refreshedHere : ArcGisGrantCodec.decrypt(session, realm, want.binding(), link.getToken());
        if (grant == null) {
            throw Rejection.ARCGIS_NOT_LINKED.exception();
        }
        if (want.accepts(grant)) {
            BridgeMetrics.vault(VaultResult.CACHED);
            return grant;
        }
        try {
            return refreshOnce(session, user, link.getToken(), grant, key, want);
        } catch (RejectedException e) {
            BridgeMetrics.vault(e.rejection() == Rejection.ARCGIS_BUSY ? VaultResult.BUSY : VaultResult.FAILED);
            throw e;
        }
    }

    /** What this request needs of a grant. */
    private record Want(ArcGisConfig config, GrantBinding binding, String refusedFingerprint) {
        boolean accepts(ArcGisGrant grant) {
            return grant.accessTokenValidFor(config.getRefreshMarginSeconds(), Time.currentTimeSeconds())
                    && (refusedFingerprint == null || !refusedFingerprint.equals(Fingerprint.of(grant.accessToken())));
        }
    }

    private ArcGisGrant refreshOnce(KeycloakSession session, UserModel user, String storedRead, ArcGisGrant grant, String key, Want want) {
        if (!refreshSlots.tryAcquire()) {
            throw Rejection.ARCGIS_BUSY.exception();
        }
        try {
            return refreshes.run(key, () -> refreshOnThisNodeOrAwaitAnother(session, user, storedRead, grant, key, want));
        } finally {
            refreshSlots.release();
        }
    }

    private ArcGisGrant refreshOnThisNodeOrAwaitAnother(KeycloakSession session, UserModel user, String storedRead, ArcGisGrant grant,
                                                       String key, Want want) {
        // A refresh may have finished between this request's first look and taking the in-flight slot.
        ArcGisGrant refreshedMeanwhile = recentlyRefreshed(key, storedRead, want);
        if (refreshedMeanwhile != null) {
            BridgeMetrics.vault(VaultResult.SHARED);
            return refreshedMeanwhile;
        }
        ClusterProvider cluster = session.getProvider(ClusterProvider.class);
        ExecutionResult<ArcGisGrant> result = cluster.executeIfNotExecuted(LOCK_PREFIX + key, LOCK_SECONDS,
                () -> refreshUnderLock(session, user, storedRead, grant, key, want));
        return result.isExecuted() ? result.getResult() : afterOtherNode(session, cluster, user, storedRead, key, want);
    }

    /**
     * Runs under the cluster-wide lock. The link is read again from the database first: another node may have
     * refreshed since this request read it (through a cache, or its own persistence context), and refreshing from a
     * superseded grant would spend a refresh token ArcGIS may already have replaced.
     */
    private ArcGisGrant refreshUnderLock(KeycloakSession session, UserModel user, String storedRead, ArcGisGrant grant, String key, Want want) {
        FederatedIdentityModel stored = storedLink(session, user, want.config().getAlias());
        if (stored == null) {
            throw Rejection.ARCGIS_NOT_LINKED.exception();
        }
        GrantBinding binding = new GrantBinding(want.binding().realmId(), user.getId(), want.config().getAlias(), stored.getUserId());
        boolean changedMeanwhile = !Objects.equals(stored.getToken(), storedRead);
        ArcGisGrant current = changedMeanwhile ? ArcGisGrantCodec.decrypt(session, session.getContext().getRealm(), binding, stored.getToken()) : grant;
        if (current == null) {
            throw Rejection.ARCGIS_NOT_LINKED.exception();
        }
        if (changedMeanwhile && want.accepts(current)) {
            BridgeMetrics.vault(VaultResult.SHARED);
            return current;
        }
        ArcGisGrant next = obtain(session, want.config(), current);
        String encrypted = ArcGisGrantCodec.encrypt(session, session.getContext().getRealm(), binding, next);
        commit(session, user, new FederatedIdentityModel(stored.getIdentityProvider(), stored.getUserId(), stored.getUserName(), encrypted));
        remember(key, new Fresh(next, Fingerprint.of(stored.getToken()), Fingerprint.of(encrypted)));
        return next;
    }

    /**
     * One ArcGIS call: a new access token, or, when the refresh token is due for renewal, a new access token and a
     * new refresh token together. If the renewal gets no usable answer, ArcGIS may or may not have processed it; the old
     * refresh token tells which: if ArcGIS still takes it, the renewal did not happen, this request is served with a
     * plain refresh and the next one renews. If ArcGIS processed the renewal and its answer was lost on the way back,
     * the old refresh token is dead at ArcGIS and the user has to link again; the protocol offers no way back.
     */
    private static ArcGisGrant obtain(KeycloakSession session, ArcGisConfig config, ArcGisGrant grant) {
        long now = Time.currentTimeSeconds();
        if (grant.refreshTokenExpiresAt() <= now) {
            throw Rejection.ARCGIS_AUTHORIZATION_INVALID.exception();
        }
        ArcGisPortalClient portal = new ArcGisPortalClient(session, config);
        if (!grant.renewalDue(config.getRenewalMarginSeconds(), now)) {
            ArcGisGrant refreshed = grant.withAccessToken(portal.refresh(grant.refreshToken()), now);
            BridgeMetrics.vault(VaultResult.REFRESHED);
            return refreshed;
        }
        RealmModel realm = session.getContext().getRealm();
        String redirectUri = Urls.identityProviderAuthnResponse(session.getContext().getUri().getBaseUri(), config.getAlias(), realm.getName()).toString();
        try {
            ArcGisGrant renewed = ArcGisGrant.issued(portal.renew(grant.refreshToken(), redirectUri), grant.username(), now);
            BridgeMetrics.vault(VaultResult.RENEWED);
            return renewed;
        } catch (RejectedException e) {
            if (e.rejection() != Rejection.ARCGIS_UNAVAILABLE) {
                throw e;
            }
            LOG.infof("ArcGIS identity provider '%s': no usable answer to a refresh-token renewal for '%s'; checking the old refresh token",
                    config.getAlias(), grant.username());
            try {
                ArcGisGrant refreshed = grant.withAccessToken(portal.refresh(grant.refreshToken()), now);
                BridgeMetrics.vault(VaultResult.REFRESHED);
                return refreshed;
            } catch (RejectedException refused) {
                if (refused.rejection() == Rejection.ARCGIS_AUTHORIZATION_INVALID) {
                    LOG.warnf("ArcGIS identity provider '%s': ArcGIS processed the renewal for '%s' but its answer was lost; the "
                            + "member must link again", config.getAlias(), grant.username());
                }
                throw refused;
            }
        }
    }

    /** Another node held the lock: wait until it releases it (the new grant is committed by then), then read the link once. */
    private ArcGisGrant afterOtherNode(KeycloakSession session, ClusterProvider cluster, UserModel user, String storedRead, String key, Want want) {
        Future<Boolean> released = cluster.executeIfNotExecutedAsync(LOCK_PREFIX + key, LOCK_SECONDS, () -> null);
        try {
            released.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw Rejection.ARCGIS_UNAVAILABLE.exception();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Rejection.ARCGIS_UNAVAILABLE.exception();
        }
        FederatedIdentityModel stored = storedLink(session, user, want.config().getAlias());
        if (stored == null) {
            throw Rejection.ARCGIS_NOT_LINKED.exception();
        }
        ArcGisGrant grant = Objects.equals(stored.getToken(), storedRead) ? null
                : ArcGisGrantCodec.decrypt(session, session.getContext().getRealm(), want.binding(), stored.getToken());
        if (grant == null || !want.accepts(grant)) {
            // The other node's refresh failed (ArcGIS down or refusing): its caller got the reason; this one retries later.
            throw Rejection.ARCGIS_UNAVAILABLE.exception();
        }
        BridgeMetrics.vault(VaultResult.SHARED);
        return grant;
    }

    /**
     * The grant this node refreshed last, if it is still good and still belongs to the link as this request read it:
     * either the value the refresh replaced (read before the refresh committed, or from a cache not yet updated) or
     * the one it wrote.
     */
    private ArcGisGrant recentlyRefreshed(String key, String storedRead, Want want) {
        Fresh fresh = recent.get(key);
        if (fresh == null) {
            return null;
        }
        String stored = Fingerprint.of(storedRead);
        boolean sameLink = stored.equals(fresh.writtenFingerprint()) || stored.equals(fresh.replacedFingerprint());
        return sameLink && want.accepts(fresh.grant()) ? fresh.grant() : null;
    }

    private void remember(String key, Fresh fresh) {
        if (recent.size() >= MAX_RECENT) {
            long now = Time.currentTimeSeconds();
            recent.values().removeIf(entry -> entry.grant().accessTokenExpiresAt() <= now);
        }
        recent.put(key, fresh);
    }

    /** Writes the new grant in a transaction of its own, committed before the cluster lock is released. */
    private static void commit(KeycloakSession session, UserModel user, FederatedIdentityModel link) {
        OwnTransaction.run(session, (fresh, realm) -> {
            fresh.users().updateFederatedIdentity(realm, fresh.users().getUserById(realm, user.getId()), link);
            return null;
        });
    }

    /**
     * The link as committed in the database, read in a new transaction straight from the JPA store: neither this
     * request's persistence context nor a user cache entry not yet invalidated by another node can hide a change.
     */
    private static FederatedIdentityModel storedLink(KeycloakSession session, UserModel user, String alias) {
        return OwnTransaction.run(session, (fresh, realm) -> fresh.getProvider(UserProvider.class, "jpa").getFederatedIdentity(realm, user, alias));
    }
}
