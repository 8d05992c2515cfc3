package io.github.arcgisbridge.testbed.arcgis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.github.arcgisbridge.testbed.http.Exchanges;

/** Errors in Esri's body shape, inside HTTP 200 by default and with the code as HTTP status when switched. */
class ErrorResponsesTest {

    private ArcGisPortal portal;

    @BeforeEach
    void start() throws IOException {
        portal = ArcGisPortal.start(0, "errors", "Errors");
        SignIns.prepare(portal);
    }

    @AfterEach
    void stop() {
        portal.close();
    }

    @Test
    void oauthErrorsHaveEsrisShapeInsideHttp200() {
        Http.Reply reply = SignIns.refresh(portal, "unknown");
        assertEquals(200, reply.status());
        assertEquals(Map.of("code", 400, "error", "invalid_request", "error_description", "Invalid refresh_token",
                "message", "Invalid refresh_token", "details", List.of()), Exchanges.JSON.convertValue(reply.error(), Map.class));
    }

    @Test
    void restErrorsAre499WithoutAToken498WithAnInvalidOne() {
        Http.Reply required = Http.get(portal.sharingRest() + "/community/self?f=json");
        assertEquals(200, required.status());
        assertEquals(Map.of("code", 499, "message", "Token Required", "details", List.of()),
                Exchanges.JSON.convertValue(required.error(), Map.class));
        Http.Reply invalid = Http.get(portal.featureLayerUrl() + "/query?f=json", "X-Esri-Authorization", "Bearer nonsense");
        assertEquals(200, invalid.status());
        assertEquals(Map.of("code", 498, "message", "Invalid token.", "details", List.of()),
                Exchanges.JSON.convertValue(invalid.error(), Map.class));
    }

    @Test
    void theSwitchSendsTheCodeAsHttpStatusWithTheSameBody() {
        portal.errorsWithHttpStatus(true);
        Http.Reply oauth = SignIns.refresh(portal, "unknown");
        assertEquals(400, oauth.status());
        assertEquals(400, oauth.error().path("code").asInt());
        Http.Reply invalid = SignIns.self(portal, "nonsense");
        assertEquals(498, invalid.status());
        assertEquals("Invalid token.", invalid.error().path("message").asText());

        portal.errorsWithHttpStatus(false);
        assertEquals(200, SignIns.refresh(portal, "unknown").status());
    }
}
