package io.github.arcgisbridge.keycloak.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import org.jboss.logging.Logger;
import org.keycloak.http.simple.SimpleHttpRequest;
import org.keycloak.http.simple.SimpleHttpResponse;

import io.github.arcgisbridge.keycloak.error.Rejection;
import io.github.arcgisbridge.keycloak.metrics.BridgeMetrics;
import io.github.arcgisbridge.keycloak.metrics.BridgeMetrics.Outcome;
import io.github.arcgisbridge.keycloak.metrics.BridgeMetrics.Upstream;

/**
 * One JSON call to an upstream service through Keycloak's HTTP client (whose connection and socket timeouts are
 * server settings). Anything but HTTP 200 with a JSON object, including timeouts and garbage, becomes the given
 * "unavailable" rejection; the log names the endpoint kind and status, never the request's credentials or tokens.
 */
public final class UpstreamJson {

    private static final Logger LOG = Logger.getLogger(UpstreamJson.class);

    private UpstreamJson() {
    }

    /** @param description how log lines name the endpoint, e.g. {@code Identity provider 'x' userinfo endpoint} */
    public static JsonNode object(SimpleHttpRequest request, Upstream upstream, String description, Rejection unavailable) {
        long started = System.nanoTime();
        int status;
        JsonNode body;
        try (SimpleHttpResponse response = request.acceptJson().asResponse()) {
            status = response.getStatus();
            body = status == 200 ? response.asJson() : null;
        } catch (Exception e) {
            BridgeMetrics.upstream(upstream, Outcome.UNAVAILABLE, System.nanoTime() - started);
            LOG.warnf("%s unreachable or unreadable: %s", description, e.getClass().getSimpleName());
            throw unavailable.exception();
        }
        if (status != 200 || body == null || !body.isObject()) {
            BridgeMetrics.upstream(upstream, Outcome.UNAVAILABLE, System.nanoTime() - started);
            LOG.warnf("%s answered HTTP %d%s", description, status, status == 200 ? " without a JSON object" : "");
            throw unavailable.exception();
        }
        BridgeMetrics.upstream(upstream, Outcome.OK, System.nanoTime() - started);
        return body;
    }
}
