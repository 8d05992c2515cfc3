package io.github.arcgisbridge.example;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.http.converter.FormHttpMessageConverter;
import org.springframework.security.oauth2.client.endpoint.RestClientTokenExchangeTokenResponseClient;
import org.springframework.security.oauth2.client.endpoint.TokenExchangeGrantRequest;
import org.springframework.security.oauth2.client.registration.ClientRegistration;
import org.springframework.security.oauth2.client.registration.ClientRegistrationRepository;
import org.springframework.security.oauth2.core.OAuth2AccessToken;
import org.springframework.security.oauth2.core.endpoint.OAuth2AccessTokenResponse;
import org.springframework.security.oauth2.core.http.converter.OAuth2AccessTokenResponseHttpMessageConverter;
import org.springframework.stereotype.Service;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.client.ResponseErrorHandler;
import org.springframework.web.client.RestClient;

/**
 * RFC 8693 token exchange at Keycloak through Spring Security's standard client: a {@link TokenExchangeGrantRequest}
 * (grant type, {@code subject_token} and its type, {@code requested_token_type}, client authentication as the
 * registration says) sent by {@link RestClientTokenExchangeTokenResponseClient}. Three things are this app's own: the
 * bridge's parameters ({@code subject_issuer}, and {@code requested_issuer}, {@code refused_token} or {@code audience}),
 * reading the whole answer (the ArcGIS token's {@code server}, {@code expires}, {@code ssl}, {@code userId} are
 * extension members, kept as additional parameters), and keeping a refusal's body and {@code Retry-After}, which
 * Spring's default error handler reduces to an {@code OAuth2Error} (the {@code account-link-url} would be lost).
 */
@Service
public class KeycloakTokenExchange {

    /** The client registration (application.yml) of this backend at Keycloak: client map-app, grant type token-exchange. */
    public static final String REGISTRATION = "keycloak";

    private final ClientRegistration registration;
    private final RestClientTokenExchangeTokenResponseClient client = new RestClientTokenExchangeTokenResponseClient();
    private final String subjectIssuer;

    public KeycloakTokenExchange(ClientRegistrationRepository registrations, BridgeProperties properties, ObjectMapper json) {
        this.registration = registrations.findByRegistrationId(REGISTRATION);
        this.subjectIssuer = properties.subjectIssuer();
        client.setRestClient(RestClient.builder()
                .messageConverters(converters -> {
                    converters.clear();
                    converters.add(new FormHttpMessageConverter());
                    converters.add(new OAuth2AccessTokenResponseHttpMessageConverter());
                })
                .defaultStatusHandler(new RefusalHandler(json))
                .build());
        client.addParametersConverter(request -> {
            MultiValueMap<String, String> parameters = new LinkedMultiValueMap<>();
            parameters.add("subject_issuer", subjectIssuer);
            if (request instanceof BridgeRequest bridge) {
                bridge.parameters().forEach(parameters::add);
            }
            return parameters;
        });
    }

    /** The user's ArcGIS token ({@code requested_issuer}), optionally reporting the token ArcGIS answered 498 for. */
    public Map<String, Object> arcgisToken(OAuth2AccessToken subjectToken, String arcgisIssuer, String refusedToken) {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("requested_issuer", arcgisIssuer);
        if (refusedToken != null && !refusedToken.isBlank()) {
            parameters.put("refused_token", refusedToken);
        }
        return exchange(subjectToken, parameters);
    }

    /** A Keycloak-minted access token for another client ({@code audience}). */
    public Map<String, Object> clientToken(OAuth2AccessToken subjectToken, String audience) {
        return exchange(subjectToken, Map.of("audience", audience));
    }

    private Map<String, Object> exchange(OAuth2AccessToken subjectToken, Map<String, String> parameters) {
        OAuth2AccessTokenResponse response = client.getTokenResponse(new BridgeRequest(registration, subjectToken, parameters));
        OAuth2AccessToken token = response.getAccessToken();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("access_token", token.getTokenValue());
        body.put("token_type", "Bearer");
        if (token.getIssuedAt() != null && token.getExpiresAt() != null) {
            body.put("expires_in", Duration.between(token.getIssuedAt(), token.getExpiresAt()).toSeconds());
        }
        body.putAll(response.getAdditionalParameters());
        return body;
    }

    /** A token-exchange grant request with the bridge's own parameters (Spring adds the standard ones). */
    static final class BridgeRequest extends TokenExchangeGrantRequest {
        private final Map<String, String> parameters;

        BridgeRequest(ClientRegistration registration, OAuth2AccessToken subjectToken, Map<String, String> parameters) {
            super(registration, subjectToken, null);
            this.parameters = Map.copyOf(parameters);
        }

        Map<String, String> parameters() {
            return parameters;
        }
    }

    /** Keycloak refused the exchange: its status, its JSON body as sent, its Retry-After. */
    public static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int status;
        private final transient Map<String, Object> body;
        private final String retryAfter;

        Refused(int status, Map<String, Object> body, String retryAfter) {
            super("token exchange refused: HTTP " + status + " " + body.get("error"));
            this.status = status;
            this.body = body;
            this.retryAfter = retryAfter;
        }

        public int status() { return status; }
        public Map<String, Object> body() { return body; }
        public String retryAfter() { return retryAfter; }
    }

    private record RefusalHandler(ObjectMapper json) implements ResponseErrorHandler {
        @Override
        public boolean hasError(ClientHttpResponse response) throws IOException {
            return response.getStatusCode().isError();
        }

        @Override
        public void handleError(URI url, HttpMethod method, ClientHttpResponse response) throws IOException {
            Map<String, Object> body;
            try {
                @SuppressWarnings("unchecked")
                Map<String, Object> parsed = json.readValue(response.getBody(), Map.class);
                body = parsed == null ? Map.of() : parsed;
            } catch (IOException e) {
                body = Map.of("error", "invalid_response");
            }
            throw new Refused(response.getStatusCode().value(), body, response.getHeaders().getFirst("Retry-After"));
        }
    }
}
