package io.github.arcgisbridge.keycloak.error;

import java.util.Map;

/** Thrown by any step of an exchange; the exchange provider turns it into the OAuth error response and the error event. */
public final class RejectedException extends RuntimeException {

    private final transient Rejection rejection;
    private final transient Map<String, String> responseFields;

    RejectedException(Rejection rejection) {
        this(rejection, Map.of());
    }

    private RejectedException(Rejection rejection, Map<String, String> responseFields) {
        super(rejection.reason(), null, false, false);
        this.rejection = rejection;
        this.responseFields = Map.copyOf(responseFields);
    }

    public Rejection rejection() {
        return rejection;
    }

    /** Fields the error response carries besides {@code error} and {@code error_description}. */
    public Map<String, String> responseFields() {
        return responseFields;
    }

    /** The same refusal, with one more field in the error response (such as {@code account-link-url}). */
    public RejectedException with(String field, String value) {
        Map<String, String> fields = new java.util.LinkedHashMap<>(responseFields);
        fields.put(field, value);
        return new RejectedException(rejection, fields);
    }
}
