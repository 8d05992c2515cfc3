package io.github.arcgisbridge.keycloak.exchange;

import java.util.Map;

import org.keycloak.Config;
import org.keycloak.models.KeycloakSession;
import org.keycloak.models.KeycloakSessionFactory;
import org.keycloak.protocol.oidc.TokenExchangeProvider;
import org.keycloak.protocol.oidc.TokenExchangeProviderFactory;
import org.keycloak.provider.ServerInfoAwareProviderFactory;

import io.github.arcgisbridge.keycloak.arcgis.token.ArcGisAppTokens;
import io.github.arcgisbridge.keycloak.arcgis.vault.ArcGisTokenVault;
import io.github.arcgisbridge.keycloak.subject.IntrospectionCache;

/**
 * Registers the exchange ahead of Keycloak's built-in {@code standard} provider (order 10), which then still
 * handles every request whose subject token is not from an IdentityServer4 identity provider.
 *
 * <p>Server option: {@code --spi-oauth2-token-exchange--identityserver4--introspection-cache-size} (default 10000
 * entries per node).</p>
 */
public final class IdentityServer4TokenExchangeProviderFactory implements TokenExchangeProviderFactory, ServerInfoAwareProviderFactory {

    public static final String PROVIDER_ID = "identityserver4";
    static final int ORDER = 20;
    private static final int DEFAULT_INTROSPECTION_CACHE_SIZE = 10_000;

    private ExchangeServices services;
    private int introspectionCacheSize;

    @Override
    public TokenExchangeProvider create(KeycloakSession session) {
        return new IdentityServer4TokenExchangeProvider(session, services);
    }

    @Override
    public void init(Config.Scope config) {
        introspectionCacheSize = config.getInt("introspectionCacheSize", DEFAULT_INTROSPECTION_CACHE_SIZE);
        services = new ExchangeServices(new IntrospectionCache(introspectionCacheSize), new ArcGisTokenVault(), new ArcGisAppTokens());
    }

    @Override
    public void postInit(KeycloakSessionFactory factory) {
        // nothing to wire
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
                "introspectionCacheSize", String.valueOf(introspectionCacheSize));
    }
}
