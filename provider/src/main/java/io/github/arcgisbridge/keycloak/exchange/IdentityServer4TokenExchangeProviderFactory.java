package io.github.arcgisbridge.keycloak.exchange;

import java.util.List;
import java.util.Map;

import org.keycloak.Config;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.protocol.oidc.TokenExchangeProvider;
import org.keycloak.protocol.oidc.TokenExchangeProviderFactory;
import org.keycloak.provider.ProviderConfigProperty;
import org.keycloak.provider.ProviderConfigurationBuilder;
import org.keycloak.provider.ServerInfoAwareProviderFactory;

import io.github.arcgisbridge.keycloak.arcgis.token.ArcGisAppTokens;
import io.github.arcgisbridge.keycloak.arcgis.vault.ArcGisTokenVault;
import io.github.arcgisbridge.keycloak.metrics.BridgeMetrics;
import io.github.arcgisbridge.keycloak.subject.IntrospectionCache;

/**
 * Registers the exchange ahead of Keycloak's built-in {@code standard} provider (order 10), which then still
 * handles every request whose subject token is not from an IdentityServer4 identity provider. Owns the per-server
 * state the exchange shares across requests. Its server options ({@code --spi-oauth2-token-exchange--identityserver4--<option>})
 * are declared in {@link #getConfigMetadata()}, so the server-info page lists them.
 */
public final class IdentityServer4TokenExchangeProviderFactory implements TokenExchangeProviderFactory, ServerInfoAwareProviderFactory {

    public static final String PROVIDER_ID = "identityserver4";
    static final int ORDER = 20;

    private static final String INTROSPECTION_CACHE_SIZE = "introspection-cache-size";
    private static final int DEFAULT_INTROSPECTION_CACHE_SIZE = 10_000;
    private static final String ARCGIS_MAX_CONCURRENT_REFRESHES = "arcgis-max-concurrent-refreshes";
    private static final int DEFAULT_ARCGIS_MAX_CONCURRENT_REFRESHES = 64;

    private ExchangeServices services;
    private int introspectionCacheSize;
    private int arcgisMaxConcurrentRefreshes;

    @Override
    public TokenExchangeProvider create(KeycloakSession session) {
        return new IdentityServer4TokenExchangeProvider(session, services);
    }

    @Override
    public void init(Config.Scope config) {
        introspectionCacheSize = Math.max(0, config.getInt(INTROSPECTION_CACHE_SIZE, DEFAULT_INTROSPECTION_CACHE_SIZE));
        arcgisMaxConcurrentRefreshes = Math.max(1, config.getInt(ARCGIS_MAX_CONCURRENT_REFRESHES, DEFAULT_ARCGIS_MAX_CONCURRENT_REFRESHES));
        services = new ExchangeServices(new IntrospectionCache(introspectionCacheSize), new ArcGisTokenVault(arcgisMaxConcurrentRefreshes),
                new ArcGisAppTokens());
    }

    @Override
    public List<ProviderConfigProperty> getConfigMetadata() {
        return ProviderConfigurationBuilder.create()
                .property().name(INTROSPECTION_CACHE_SIZE).type(ProviderConfigProperty.INTEGER_TYPE)
                .defaultValue(DEFAULT_INTROSPECTION_CACHE_SIZE)
                .helpText("Active introspection results kept per node for reference tokens; when full, new results are not cached.").add()
                .property().name(ARCGIS_MAX_CONCURRENT_REFRESHES).type(ProviderConfigProperty.INTEGER_TYPE)
                .defaultValue(DEFAULT_ARCGIS_MAX_CONCURRENT_REFRESHES)
                .helpText("Exchanges for the user's ArcGIS token that may be calling or waiting for ArcGIS at once on a node; "
                        + "beyond it they get 503 temporarily_unavailable with Retry-After at once, so a slow ArcGIS ties up "
                        + "a bounded number of request threads.").add()
                .build();
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
        BridgeMetrics.registerAtZero();
    }

    @Override
    public void close() {
        // the caches are plain heap memory
    }

    @Override
    public String getId() {
        return PROVIDER_ID;
    }

    @Override
    public int order() {
        return ORDER;
    }

    @Override
    public Map<String, String> getOperationalInfo() {
        String version = getClass().getPackage().getImplementationVersion();
        return Map.of("version", version == null ? "development" : version,
                INTROSPECTION_CACHE_SIZE, String.valueOf(introspectionCacheSize),
                ARCGIS_MAX_CONCURRENT_REFRESHES, String.valueOf(arcgisMaxConcurrentRefreshes));
    }
}
