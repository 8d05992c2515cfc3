package io.github.arcgisbridge.keycloak.error;

/** Thrown by any step of an exchange; the exchange provider turns it into the OAuth error response and the error event. */
public final class RejectedException extends RuntimeException {

    private final transient Rejection rejection;

    RejectedException(Rejection rejection) {
        super(rejection.reason(), null, false, false);
        this.rejection = rejection;
    }

    public Rejection rejection() {
        return rejection;
    }
}
