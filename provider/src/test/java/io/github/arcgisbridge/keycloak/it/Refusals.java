package io.github.arcgisbridge.keycloak.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.keycloak.events.EventType;
import org.keycloak.representations.idm.EventRepresentation;
import org.keycloak.testframework.events.EventAssertion;
import org.keycloak.testframework.events.Events;

/** What every refusal must look like: the OAuth error in a JSON body, no token, and one error event with its reason. */
final class Refusals {

    private Refusals() {
    }

    /** The reply is the refusal, and it is the only event since the last poll. */
    static void assertRefused(Events events, TokenEndpoint.Reply reply, int status, String error, String reason) {
        assertReply(reply, status, error);
        EventRepresentation event = events.poll();
        assertNotNull(event, "an error event is recorded");
        EventAssertion.assertError(event).type(EventType.TOKEN_EXCHANGE_ERROR).details("reason", reason);
        assertNull(events.poll(), "one event per request");
    }

    /** The reply is the refusal; among the events recorded meanwhile by other requests, exactly one error has the reason. */
    static void assertRefusedAmongOthers(Events events, TokenEndpoint.Reply reply, int status, String error, String reason) {
        assertReply(reply, status, error);
        List<EventRepresentation> errors = new ArrayList<>();
        for (EventRepresentation event = events.poll(); event != null; event = events.poll()) {
            if (EventType.TOKEN_EXCHANGE_ERROR.name().equals(event.getType())) {
                errors.add(event);
            }
        }
        assertEquals(1, errors.size(), "one error event: " + errors);
        EventAssertion.assertError(errors.get(0)).details("reason", reason);
    }

    private static void assertReply(TokenEndpoint.Reply reply, int status, String error) {
        assertEquals(status, reply.status(), reply.toString());
        assertEquals(error, reply.text("error"), reply.toString());
        assertTrue(reply.header("Content-Type").startsWith("application/json"), reply.header("Content-Type"));
        assertNotNull(reply.text("error_description"));
        assertNull(reply.text("access_token"));
    }
}
