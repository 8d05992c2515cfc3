package io.github.arcgisbridge.testbed.arcgis;

import io.github.arcgisbridge.testbed.http.Exchanges;

/**
 * An app's {@code oauth2/authorize} request, kept while the user signs in: where to send the code, the app's state
 * and PKCE challenge, and the {@code expiration} it asked for (the refresh token's lifetime, in minutes; null when
 * not given).
 */
record AppRequest(ArcGisPortal.App app, String redirectUri, String state, String codeChallenge, Integer expirationMinutes) {

    /** The app's redirect URI with the code and the app's state. */
    String redirectWithCode(String code) {
        return redirectUri + (redirectUri.contains("?") ? "&" : "?") + "code=" + code
                + (state == null ? "" : "&state=" + Exchanges.encode(state));
    }
}
