package io.github.arcgisbridge.keycloak.arcgis;

import java.util.Optional;

import org.keycloak.models.IdentityProviderModel;
import org.keycloak.models.KeycloakSession;

/** Finds the enabled ArcGIS identity provider an exchange asks a token of. */
public final class ArcGisProviders {

    private ArcGisProviders() {
    }

    /** By alias, as {@code requested_issuer} names it (Keycloak's convention for external tokens). */
    public static Optional<ArcGisConfig> byAlias(KeycloakSession session, String alias) {
        return Optional.ofNullable(session.identityProviders().getByAlias(alias))
                .filter(ArcGisProviders::isEnabledArcGis)
                .map(ArcGisConfig::new);
    }

    private static boolean isEnabledArcGis(IdentityProviderModel model) {
        return model.isEnabled() && ArcGisConfig.PROVIDER_ID.equals(model.getProviderId());
    }
}
