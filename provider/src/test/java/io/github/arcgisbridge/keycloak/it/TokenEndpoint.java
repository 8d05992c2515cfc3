package io.github.arcgisbridge.keycloak.it;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Plain HTTP calls to a realm's token endpoint, as an app would make them: form-encoded, client secret in Basic auth. */
final class TokenEndpoint {

    static final String TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
    static final String ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token";
    static final String ID_TOKEN = "urn:ietf:params:oauth:token-type:id_token";
    static final String JWT = "urn:ietf:params:oauth:token-type:jwt";

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One response: status, JSON body (an empty object when the body is not JSON), headers. */
    record Reply(int status, JsonNode body, Map<String, List<String>> headers) {
        String text(String field) {
            JsonNode value = body.get(field);
            return value == null || value.isNull() ? null : value.asText();
        }

        /** The payload of the JWT in the given field, decoded without checking it (Keycloak signed it; tests read it). */
        JsonNode claims(String field) {
            String[] parts = text(field).split("\\.");
            try {
                return JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
            } catch (IOException e) {
                throw new AssertionError("not a JWT in " + field, e);
            }
        }

        /** Status and body with every token left out: what a failing assertion may print. */
        @Override
        public String toString() {
            JsonNode shown = body.deepCopy();
            if (shown.isObject()) {
                for (String field : List.of("access_token", "id_token", "refresh_token")) {
                    if (shown.has(field)) {
                        ((com.fasterxml.jackson.databind.node.ObjectNode) shown).put(field, "(token)");
                    }
                }
            }
            return "HTTP " + status + " " + shown;
        }

        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .flatMap(e -> e.getValue().stream()).findFirst().orElse(null);
        }
    }

    /** A form under construction; {@link #post(String)} sends it. */
    static final class Form {
        private final List<String[]> fields = new ArrayList<>();
        private String clientId;
        private String clientSecret;
        private String origin;

        Form add(String name, String value) {
            fields.add(new String[] {name, value});
            return this;
        }

        Form client(String clientId, String clientSecret) {
            this.clientId = clientId;
            this.clientSecret = clientSecret;
            return this;
        }

        Form origin(String origin) {
            this.origin = origin;
            return this;
        }

        Reply post(String realmUrl) {
            List<String> pairs = new ArrayList<>();
            for (String[] field : fields) {
                pairs.add(URLEncoder.encode(field[0], StandardCharsets.UTF_8) + "=" + URLEncoder.encode(field[1], StandardCharsets.UTF_8));
            }
            if (clientSecret == null && clientId != null) {
                pairs.add("client_id=" + URLEncoder.encode(clientId, StandardCharsets.UTF_8));
            }
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(realmUrl + "/protocol/openid-connect/token"))
                    .timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString(String.join("&", pairs)));
            if (clientSecret != null) {
                request.header("Authorization", "Basic " + Base64.getEncoder()
                        .encodeToString((clientId + ":" + clientSecret).getBytes(StandardCharsets.UTF_8)));
            }
            if (origin != null) {
                request.header("Origin", origin);
            }
            try {
                HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
                return new Reply(response.statusCode(), parse(response.body()), response.headers().map());
            } catch (IOException e) {
                throw new AssertionError("token endpoint unreachable", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }

        private static JsonNode parse(String body) {
            try {
                JsonNode node = JSON.readTree(body);
                return node == null ? JSON.createObjectNode() : node;
            } catch (IOException e) {
                return JSON.createObjectNode();
            }
        }
    }

    private TokenEndpoint() {
    }

    /** The usual request of the app backend {@code map-app}: exchange this access token for a token for {@code arcgis-online}. */
    static Form exchangeForArcgis(String subjectToken) {
        return exchange(subjectToken, ACCESS_TOKEN).add("audience", "arcgis-online");
    }

    static Form exchange(String subjectToken, String subjectTokenType) {
        return new Form().client("map-app", ArcgisRealmConfig.MAP_APP_SECRET)
                .add("grant_type", TOKEN_EXCHANGE)
                .add("subject_token", subjectToken)
                .add("subject_token_type", subjectTokenType)
                .add("subject_issuer", "identityserver4");
    }
}
