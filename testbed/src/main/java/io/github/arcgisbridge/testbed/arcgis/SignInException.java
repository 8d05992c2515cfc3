package io.github.arcgisbridge.testbed.arcgis;

/** A failed organisation sign-in; the portal shows its message on an error page, as ArcGIS does. */
final class SignInException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    SignInException(String message) {
        super(message);
    }
}
