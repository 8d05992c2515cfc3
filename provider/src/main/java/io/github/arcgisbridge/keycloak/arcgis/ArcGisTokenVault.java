package io.github.arcgisbridge.keycloak.arcgis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.keycloak.cluster.ClusterProvider;
import org.keycloak.cluster.ExecutionResult;
import org.keycloak.common.util.Time;
import org.keycloak.models.FederatedIdentityModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.services.Urls;

import io.github.arcgisbridge.keycloak.error.RejectedException;
import io.github.arcgisbridge.keycloak.error.Rejection;

/**
 * Keeps each linked user's ArcGIS authorization usable: hands out the cached access token while it has more than the
 * refresh margin left; otherwise refreshes it with the {@code refresh_token} grant, and renews the refresh token
 * with {@code exchange_refresh_token} when that one nears its end. The grant lives encrypted on the federated
 * identity link.
 *
 * <p>Never two refreshes for one user at once: on a node, concurrent requests share one in-flight refresh; across
 * nodes, Keycloak's {@link ClusterProvider#executeIfNotExecuted} lets one node refresh while the others wait for
 * the link to show the new grant. One instance per server (held by the factory).</p>
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
     * The grant this node refreshed last, if it is still good and still belongs to the stored link: the link then
     * holds either the value the refresh replaced (its transaction not yet committed) or the one it wrote.
     */
    private ArcGisGrant recentlyRefreshed(String key, FederatedIdentityModel link, ArcGisConfig config, long now) {
        Fresh fresh = recent.get(key);
        String stored = fingerprint(link.getToken());
        boolean sameLink = fresh != null && (stored.equals(fresh.writtenFingerprint()) || stored.equals(fresh.replacedFingerprint()));
        return sameLink && fresh.grant().accessTokenValidFor(config.getRefreshMarginSeconds(), now) ? fresh.grant() : null;
    }

    private ArcGisGrant refresh(KeycloakSession session, ArcGisConfig config, UserModel user, FederatedIdentityModel link,
                                ArcGisGrant grant, String key) {
        long now = Time.currentTimeSeconds();
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
        next = next.withAccessToken(refreshed.value(), refreshed.expiresAt(now));
        String encrypted = ArcGisGrantCodec.encrypt(session, session.getContext().getRealm(), next);
        session.users().updateFederatedIdentity(session.getContext().getRealm(), user,
                new FederatedIdentityModel(link.getIdentityProvider(), link.getUserId(), link.getUserName(), encrypted));
        if (recent.size() >= MAX_RECENT) {
            recent.values().removeIf(fresh -> fresh.grant().accessTokenExpiresAt() <= now);
        }
        recent.put(key, new Fresh(next, fingerprint(link.getToken()), fingerprint(encrypted)));
        return next;
    }

    /** Another node holds the refresh: read the link until it carries a grant usable again. */
    private ArcGisGrant waitForOtherNode(KeycloakSession session, ArcGisConfig config, UserModel user, FederatedIdentityModel before) {
        long deadline = System.currentTimeMillis() + REFRESH_TIMEOUT_SECONDS * 1000L;
        while (System.currentTimeMillis() < deadline) {
            sleep();
            FederatedIdentityModel link = session.users().getFederatedIdentity(session.getContext().getRealm(), user, config.getAlias());
            if (link == null) {
                throw Rejection.ARCGIS_NOT_LINKED.exception();
            }
            if (!fingerprint(link.getToken()).equals(fingerprint(before.getToken()))) {
                ArcGisGrant grant = ArcGisGrantCodec.decrypt(session, session.getContext().getRealm(), link.getToken());
                if (grant != null && grant.accessTokenValidFor(config.getRefreshMarginSeconds(), Time.currentTimeSeconds())) {
                    return grant;
                }
            }
        }
        throw Rejection.ARCGIS_UNAVAILABLE.exception();
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

    static String fingerprint(String stored) {
        if (stored == null) {
            return "";
        }
        try {
            return Base64.getUrlEncoder().withoutPadding().encodeToString(
                    MessageDigest.getInstance("SHA-256").digest(stored.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
