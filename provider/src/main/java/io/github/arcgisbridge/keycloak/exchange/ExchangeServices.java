package io.github.arcgisbridge.keycloak.exchange;

import io.github.arcgisbridge.keycloak.arcgis.token.ArcGisAppTokens;
import io.github.arcgisbridge.keycloak.arcgis.vault.ArcGisTokenVault;
import io.github.arcgisbridge.keycloak.subject.IntrospectionCache;

/** The per-server state the exchange shares across requests, owned by the factory. */
record ExchangeServices(IntrospectionCache introspectionCache, ArcGisTokenVault arcgisVault, ArcGisAppTokens arcgisAppTokens) { }
