package io.github.arcgisbridge.example;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.oauth2.client.OAuth2AuthorizedClient;
import org.springframework.security.oauth2.client.annotation.RegisteredOAuth2AuthorizedClient;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * {@code GET /api/arcgis-token}: the signed-in user's ArcGIS token, ready for {@code IdentityManager.registerToken}
 * ({@code access_token}, {@code server}, {@code expires}, {@code ssl}, {@code userId}, …), or Keycloak's refusal as
 * Keycloak sent it ({@code 400 not_linked} with the {@code account-link-url}, to which the app's {@code redirect_uri} is
 * appended; {@code 503} with {@code Retry-After}). {@code POST} with {@code {"refused_token": …}}: the same after the page
 * got 498 for that token. The user's IdentityServer4 token never leaves the server.
 */
@RestController
public class ArcGisTokenController {

    static final String PATH = "/api/arcgis-token";

    private final KeycloakTokenExchange exchange;
    private final BridgeProperties properties;

    public ArcGisTokenController(KeycloakTokenExchange exchange, BridgeProperties properties) {
        this.exchange = exchange;
        this.properties = properties;
    }

    /** The page's report of a token ArcGIS refused. */
    public record RefusedTokenReport(@JsonProperty("refused_token") String refusedToken) {
    }

    @GetMapping(PATH)
    public ResponseEntity<Map<String, Object>> token(@RegisteredOAuth2AuthorizedClient("identityserver4") OAuth2AuthorizedClient signIn) {
        return ok(exchange.arcgisToken(signIn.getAccessToken(), properties.arcgisIssuer(), null));
    }

    @PostMapping(path = PATH, consumes = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<Map<String, Object>> refused(@RegisteredOAuth2AuthorizedClient("identityserver4") OAuth2AuthorizedClient signIn,
            @RequestBody RefusedTokenReport report) {
        return ok(exchange.arcgisToken(signIn.getAccessToken(), properties.arcgisIssuer(), report.refusedToken()));
    }

    @ExceptionHandler(KeycloakTokenExchange.Refused.class)
    public ResponseEntity<Map<String, Object>> refusal(KeycloakTokenExchange.Refused refused) {
        Map<String, Object> body = new LinkedHashMap<>(refused.body());
        if (body.get("account-link-url") instanceof String link) {
            String back = properties.linkRedirectUri() == null || properties.linkRedirectUri().isBlank()
                    ? ServletUriComponentsBuilder.fromCurrentContextPath().path("/").toUriString() : properties.linkRedirectUri();
            body.put("account-link-url", link + (link.contains("?") ? "&" : "?") + "redirect_uri=" + URLEncoder.encode(back, StandardCharsets.UTF_8));
        }
        ResponseEntity.BodyBuilder answer = ResponseEntity.status(refused.status()).cacheControl(CacheControl.noStore());
        if (refused.retryAfter() != null) {
            answer.header("Retry-After", refused.retryAfter());
        }
        return answer.body(body);
    }

    private static ResponseEntity<Map<String, Object>> ok(Map<String, Object> body) {
        return ResponseEntity.ok().cacheControl(CacheControl.noStore()).body(body);
    }
}
