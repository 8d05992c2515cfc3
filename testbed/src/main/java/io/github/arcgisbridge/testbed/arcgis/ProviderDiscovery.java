package io.github.arcgisbridge.testbed.arcgis;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Reads an OpenID provider's discovery document and checks an OpenID Connect login against it, as ArcGIS does on save. */
public final class ProviderDiscovery {

    /** The discovery fields ArcGIS's settings refer to. */
    public record Document(String issuer, String authorizationEndpoint, String tokenEndpoint, String jwksUri, String userInfoEndpoint) { }

    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ProviderDiscovery() {
    }

    public static Document fetch(String issuer) {
        JsonNode document = getJson(issuer.replaceAll("/$", "") + "/.well-known/openid-configuration");
        return new Document(text(document, "issuer"), text(document, "authorization_endpoint"), text(document, "token_endpoint"),
                text(document, "jwks_uri"), text(document, "userinfo_endpoint"));
    }

    /** ArcGIS demands that issuer, token endpoint and JWKS URL equal the provider's discovery document exactly. */
    static void check(OidcLoginSettings settings) {
        Document document = fetch(settings.issuer());
        requireEqual("issuer", settings.issuer(), document.issuer());
        requireEqual("token endpoint", settings.tokenEndpoint(), document.tokenEndpoint());
        requireEqual("JWKS URL", settings.jwksUrl(), document.jwksUri());
    }

    private static void requireEqual(String field, String configured, String discovered) {
        if (configured == null || !configured.equals(discovered)) {
            throw new IllegalArgumentException("The " + field + " '" + configured
                    + "' does not match the provider's discovery document ('" + discovered + "')");
        }
    }

    static JsonNode getJson(String url) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalArgumentException(url + " answered HTTP " + response.statusCode());
            }
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new IllegalArgumentException(url + " could not be read: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}
