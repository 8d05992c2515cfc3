package io.github.arcgisbridge.keycloak.arcgis.link;

import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;
import org.keycloak.models.AbstractKeycloakTransaction;
import org.keycloak.models.FederatedIdentityModel;
import org.keycloak.models.IdentityProviderModel;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.models.RealmModel;
import org.keycloak.models.UserModel;
import org.keycloak.models.utils.KeycloakModelUtils;
import org.keycloak.provider.ProviderEvent;
import org.keycloak.provider.ProviderEventListener;

import io.github.arcgisbridge.keycloak.arcgis.ArcGisConfig;
import io.github.arcgisbridge.keycloak.arcgis.portal.ArcGisPortalClient;
import io.github.arcgisbridge.keycloak.arcgis.vault.ArcGisGrant;
import io.github.arcgisbridge.keycloak.arcgis.vault.ArcGisGrantCodec;
import io.github.arcgisbridge.keycloak.arcgis.vault.GrantBinding;
import io.github.arcgisbridge.keycloak.error.RejectedException;
import io.github.arcgisbridge.keycloak.metrics.BridgeMetrics;
import io.github.arcgisbridge.keycloak.metrics.BridgeMetrics.RevocationResult;

/**
 * Tells ArcGIS to forget a user's authorization ({@code oauth2/revokeToken} with the refresh token, which also revokes
 * the access tokens obtained with it) when Keycloak forgets it: a link removed in the account or admin console, a
 * user deleted, a grant replaced by linking again, or a link refused. Without this, the refresh token stays valid at
 * ArcGIS for as long as the organisation lets refresh tokens live.
 *
 * <p>Revocation runs after Keycloak's transaction has committed (never for a rolled-back removal), in the background,
 * so an admin action never waits for or fails on ArcGIS. An attempt that gets no usable answer is retried a few times
 * over about three minutes; if ArcGIS stays unreachable, a warning names the member and the refresh token remains
 * valid at ArcGIS until it expires. Deleting the ArcGIS identity provider or the realm removes links in bulk, without
 * events: revoke first by unlinking, or let the refresh tokens expire.</p>
 */
public final class LinkRevocation implements ProviderEventListener {

    private static final Logger LOG = Logger.getLogger(LinkRevocation.class);
    private static final List<Integer> RETRY_DELAYS_SECONDS = List.of(5, 30, 150);

    private final KeycloakSessionFactory sessionFactory;
    private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "arcgis-link-revocation");
        thread.setDaemon(true);
        return thread;
    });

    LinkRevocation(KeycloakSessionFactory sessionFactory) {
        this.sessionFactory = sessionFactory;
    }

    @Override
    public void onEvent(ProviderEvent event) {
        if (event instanceof FederatedIdentityModel.FederatedIdentityRemovedEvent removed) {
            revokeLink(removed.getKeycloakSession(), removed.getRealm(), removed.getUser(), removed.getFederatedIdentity(), "an unlink");
        } else if (event instanceof UserModel.UserPreRemovedEvent deleted) {
            // Published before the user's links are deleted with it; the link removal itself publishes no event.
            KeycloakSession session = deleted.getKeycloakSession();
            session.users().getFederatedIdentitiesStream(deleted.getRealm(), deleted.getUser()).toList()
                    .forEach(link -> revokeLink(session, deleted.getRealm(), deleted.getUser(), link, "a user deletion"));
        }
    }

    /** Revokes the refresh token of a grant once the current transaction has committed. */
    void revokeAfterCommit(KeycloakSession session, ArcGisConfig config, ArcGisGrant grant, String cause) {
        session.getTransactionManager().enlistAfterCompletion(new AbstractKeycloakTransaction() {
            @Override
            protected void commitImpl() {
                schedule(config, grant.refreshToken(), grant.username(), cause, 0, 0);
            }

            @Override
            protected void rollbackImpl() {
                // nothing was removed: nothing to revoke
            }
        });
    }

    /** Revokes a refresh token that was never stored (a refused or uncheckable link), whatever becomes of the transaction. */
    void revokeLater(KeycloakSession session, ArcGisConfig config, String refreshToken, String cause) {
        schedule(config, refreshToken, null, cause, 0, 0);
    }

    void close() {
        executor.shutdownNow();
    }

    private void revokeLink(KeycloakSession session, RealmModel realm, UserModel user, FederatedIdentityModel link, String cause) {
        IdentityProviderModel model = session.identityProviders().getByAlias(link.getIdentityProvider());
        if (model == null || !ArcGisConfig.PROVIDER_ID.equals(model.getProviderId())) {
            return;
        }
        ArcGisConfig config = new ArcGisConfig(model);
        ArcGisGrant grant = ArcGisGrantCodec.decrypt(session, realm,
                new GrantBinding(realm.getId(), user.getId(), config.getAlias(), link.getUserId()), link.getToken());
        if (grant != null) {
            revokeAfterCommit(session, config, grant, cause);
        }
    }

    private void schedule(ArcGisConfig config, String refreshToken, String member, String cause, int attempt, long delaySeconds) {
        executor.schedule(() -> attempt(config, refreshToken, member, cause, attempt), delaySeconds, TimeUnit.SECONDS);
    }

    private void attempt(ArcGisConfig config, String refreshToken, String member, String cause, int attempt) {
        try {
            KeycloakModelUtils.runJobInTransaction(sessionFactory, session -> new ArcGisPortalClient(session, config).revoke(refreshToken));
            BridgeMetrics.revocation(RevocationResult.REVOKED);
            LOG.debugf("ArcGIS identity provider '%s': revoked the authorization of member '%s' after %s", config.getAlias(), member, cause);
        } catch (RejectedException e) {
            if (attempt < RETRY_DELAYS_SECONDS.size()) {
                BridgeMetrics.revocation(RevocationResult.RETRIED);
                schedule(config, refreshToken, member, cause, attempt + 1, RETRY_DELAYS_SECONDS.get(attempt));
                return;
            }
            BridgeMetrics.revocation(RevocationResult.FAILED);
            LOG.warnf("ArcGIS identity provider '%s': could not revoke the authorization of member '%s' after %s (%s, %d attempts); "
                    + "its refresh token stays valid at ArcGIS until it expires", config.getAlias(), member, cause, e.rejection().reason(), attempt + 1);
        } catch (RuntimeException e) {
            BridgeMetrics.revocation(RevocationResult.FAILED);
            LOG.warnf("ArcGIS identity provider '%s': revoking the authorization of member '%s' after %s failed: %s", config.getAlias(),
                    member, cause, e.getClass().getSimpleName());
        }
    }
}
