package io.github.arcgisbridge.keycloak.error;

import java.util.Locale;

import jakarta.ws.rs.core.Response.Status;

import org.keycloak.OAuthErrorException;
import org.keycloak.events.Errors;

/**
 * Every way an exchange can be refused, in one place: the OAuth error code and HTTP status the caller gets
 * (RFC 6749 §5.2, RFC 8693 §2.2.2), the Keycloak event error, and a description that never contains token material.
 * The event's {@code reason} detail is the constant's name in lower case, a stable value to alert on.
 */
public enum Rejection {

    // the request
    SUBJECT_TOKEN_TYPE_UNSUPPORTED(OAuthErrorException.INVALID_REQUEST, Errors.INVALID_REQUEST,
            "subject_token_type must be urn:ietf:params:oauth:token-type:access_token, :jwt or :id_token"),
    REQUESTED_TOKEN_TYPE_UNSUPPORTED(OAuthErrorException.INVALID_REQUEST, Errors.INVALID_REQUEST,
            "requested_token_type must be urn:ietf:params:oauth:token-type:access_token, :jwt or :id_token"),
    ACTOR_TOKEN_UNSUPPORTED(OAuthErrorException.INVALID_REQUEST, Errors.INVALID_REQUEST,
            "actor_token (delegation) is not supported for IdentityServer4 subject tokens"),
    REQUESTER_NOT_PERMITTED(OAuthErrorException.UNAUTHORIZED_CLIENT, Errors.NOT_ALLOWED,
            "client is not allowed to exchange tokens of this identity provider"),
    PUBLIC_CLIENT_NOT_OPTED_IN(OAuthErrorException.UNAUTHORIZED_CLIENT, Errors.NOT_ALLOWED,
            "public client is not opted in to token exchange"),
    ARCGIS_TOKEN_NOT_FOR_PUBLIC_CLIENT(OAuthErrorException.UNAUTHORIZED_CLIENT, Errors.NOT_ALLOWED,
            "the user's ArcGIS token is only handed to confidential clients unless an administrator opts this client in"),
    ID_TOKEN_NOT_ACCEPTED(OAuthErrorException.INVALID_REQUEST, Errors.NOT_ALLOWED,
            "ID tokens are not accepted as subject tokens for this client; use an access token"),
    SUBJECT_CLIENT_NOT_PAIRED(OAuthErrorException.INVALID_REQUEST, Errors.NOT_ALLOWED,
            "subject_token was not issued to the IdentityServer4 client this public client is paired with"),
    AUDIENCE_UNKNOWN(OAuthErrorException.INVALID_TARGET, Errors.CLIENT_NOT_FOUND, "audience is not a known client"),
    AUDIENCE_DISABLED(OAuthErrorException.INVALID_TARGET, Errors.CLIENT_DISABLED, "audience client is disabled"),
    AUDIENCE_NOT_PERMITTED(OAuthErrorException.INVALID_TARGET, Errors.NOT_ALLOWED,
            "client is not allowed to request this audience"),
    RESOURCE_UNKNOWN(OAuthErrorException.INVALID_TARGET, Errors.INVALID_REQUEST, "resource is not a known resource indicator"),
    ID_TOKEN_ONLY_FOR_REQUESTER(OAuthErrorException.INVALID_TARGET, Errors.INVALID_REQUEST,
            "an id_token is only issued to the requesting client itself; ask for an access token for other audiences"),
    TARGET_AMBIGUOUS(OAuthErrorException.INVALID_TARGET, Errors.INVALID_REQUEST,
            "the user's ArcGIS token is asked for together with other targets; ask for one or the other"),
    SCOPE_NOT_GRANTABLE(OAuthErrorException.INVALID_SCOPE, Errors.INVALID_REQUEST,
            "scope may only narrow the target client's default scopes"),

    // the subject token
    SUBJECT_TOKEN_TOO_LARGE(OAuthErrorException.INVALID_REQUEST, Errors.INVALID_TOKEN, "subject_token is too large"),
    SUBJECT_TOKEN_MALFORMED(OAuthErrorException.INVALID_REQUEST, Errors.INVALID_TOKEN, "subject_token is not a well-formed JWS"),
    ALGORITHM_NOT_ALLOWED(OAuthErrorException.INVALID_REQUEST, Errors.INVALID_SIGNATURE,
            "subject_token must be signed with an asymmetric algorithm"),
    CRITICAL_HEADER_UNSUPPORTED(OAuthErrorException.INVALID_REQUEST, Errors.INVALID_TOKEN,
            "subject_token has critical header parameters that are not understood"),
    KEYS_NOT_CONFIGURED(OAuthErrorException.INVALID_REQUEST, Errors.INVALID_CONFIG,
            "identity provider has no JWKS URL or validating public key configured"),
    KEYS_UNAVAILABLE(OAuthErrorException.TEMPORARILY_UNAVAILABLE, Errors.IDENTITY_PROVIDER_ERROR, Status.SERVICE_UNAVAILABLE,
            "the identity provider's signing keys could not be fetched; try again later"),
    SIGNING_KEY_UNKNOWN(OAuthErrorException.INVALID_REQUEST, Errors.INVALID_SIGNATURE,
            "subject_token is signed with a key the identity provider does not publish"),
    KEY_TYPE_MISMATCH(OAuthErrorException.INVALID_REQUEST, Errors.INVALID_SIGNATURE,
            "subject_token algorithm does not match the signing key's type"),
    SIGNATURE_INVALID(OAuthErrorException.INVALID_REQUEST, Errors.INVALID_SIGNATURE, "subject_token signature is invalid"),
    TOKEN_TYPE_MISMATCH(OAuthErrorException.INVALID_REQUEST, Errors.INVALID_TOKEN_TYPE,
            "subject_token 'typ' does not match subject_token_type"),
    CLAIM_MALFORMED(OAuthErrorException.INVALID_REQUEST, Errors.INVALID_TOKEN, "subject_token has a claim of the wrong type"),
    ISSUER_MISMATCH(OAuthErrorException.INVALID_REQUEST, Errors.INVALID_ISSUER, "subject_token issuer is not trusted"),
    EXPIRY_MISSING(OAuthErrorException.INVALID_REQUEST, Errors.INVALID_TOKEN, "subject_token has no 'exp'"),
    TOKEN_EXPIRED(OAuthErrorException.INVALID_REQUEST, Errors.INVALID_TOKEN, "subject_token has expired"),
    TOKEN_NOT_YET_VALID(OAuthErrorException.INVALID_REQUEST, Errors.INVALID_TOKEN, "subject_token is not valid yet"),
    ISSUED_AT_MISSING(OAuthErrorException.INVALID_REQUEST, Errors.INVALID_TOKEN, "subject_token has no 'iat'"),
    ISSUED_IN_FUTURE(OAuthErrorException.INVALID_REQUEST, Errors.INVALID_TOKEN, "subject_token was issued in the future"),
    TOKEN_TOO_OLD(OAuthErrorException.INVALID_REQUEST, Errors.INVALID_TOKEN, "subject_token is older than the maximum age"),
    SUBJECT_MISSING(OAuthErrorException.INVALID_REQUEST, Errors.INVALID_TOKEN, "subject_token has no user subject ('sub')"),
    CLIENT_ID_MISSING(OAuthErrorException.INVALID_REQUEST, Errors.INVALID_TOKEN, "subject access token has no 'client_id'"),
    NO_TRUST_CONFIGURED(OAuthErrorException.INVALID_REQUEST, Errors.INVALID_CONFIG,
            "identity provider accepts no audience or client id; every token is refused"),
    AUDIENCE_NOT_ACCEPTED(OAuthErrorException.INVALID_REQUEST, Errors.INVALID_TOKEN, "subject_token audience is not accepted"),
    CLIENT_NOT_ACCEPTED(OAuthErrorException.INVALID_REQUEST, Errors.INVALID_TOKEN,
            "subject_token was issued to a client that is not accepted"),
    REQUIRED_SCOPE_MISSING(OAuthErrorException.INVALID_REQUEST, Errors.INVALID_TOKEN, "subject_token lacks a required scope"),
    REFERENCE_TOKENS_NOT_CONFIGURED(OAuthErrorException.INVALID_REQUEST, Errors.INVALID_TOKEN,
            "subject_token is not a JWT and reference-token introspection is not configured"),
    TOKEN_INACTIVE(OAuthErrorException.INVALID_REQUEST, Errors.INVALID_TOKEN, "subject_token is not active"),
    INTROSPECTION_UNAVAILABLE(OAuthErrorException.TEMPORARILY_UNAVAILABLE, Errors.IDENTITY_PROVIDER_ERROR, Status.SERVICE_UNAVAILABLE,
            "the identity provider's introspection endpoint did not answer usefully; try again later"),
    USERINFO_UNAVAILABLE(OAuthErrorException.TEMPORARILY_UNAVAILABLE, Errors.IDENTITY_PROVIDER_ERROR, Status.SERVICE_UNAVAILABLE,
            "the identity provider's userinfo endpoint did not answer usefully; try again later"),
    USERINFO_SUBJECT_MISMATCH(OAuthErrorException.INVALID_REQUEST, Errors.INVALID_TOKEN,
            "userinfo answered for a different subject"),

    // the user
    USER_NOT_LINKED(OAuthErrorException.INVALID_REQUEST, Errors.USER_NOT_FOUND,
            "no Keycloak user is linked to this subject and user creation is off"),
    USERNAME_CLAIM_MISSING(OAuthErrorException.INVALID_REQUEST, Errors.INVALID_TOKEN,
            "the claim that names new users is missing from the token and userinfo"),
    USER_PROFILE_INVALID(OAuthErrorException.INVALID_REQUEST, Errors.INVALID_USER,
            "the profile IdentityServer4 gives for this subject does not meet this realm's user profile rules"),
    USER_CREATION_PENDING(OAuthErrorException.TEMPORARILY_UNAVAILABLE, Errors.USER_NOT_FOUND, Status.SERVICE_UNAVAILABLE, 1,
            "another request is creating this user; try again in a moment"),
    // These four share one description (USER_REFUSED): which accounts exist or are disabled is not the token holder's business.
    USERNAME_TAKEN(OAuthErrorException.INVALID_REQUEST, Errors.USERNAME_IN_USE, Rejection.USER_REFUSED),
    EMAIL_TAKEN(OAuthErrorException.INVALID_REQUEST, Errors.EMAIL_IN_USE, Rejection.USER_REFUSED),
    USER_DISABLED(OAuthErrorException.INVALID_REQUEST, Errors.USER_DISABLED, Rejection.USER_REFUSED),
    USER_LOCKED_OUT(OAuthErrorException.INVALID_REQUEST, Errors.USER_TEMPORARILY_DISABLED, Rejection.USER_REFUSED),

    // the user's ArcGIS token
    ARCGIS_NOT_LINKED(Rejection.NOT_LINKED, Errors.NOT_ALLOWED,
            "the user has not linked an ArcGIS account; open account-link-url once"),
    ARCGIS_AUTHORIZATION_INVALID(Rejection.NOT_LINKED, Errors.NOT_ALLOWED,
            "ArcGIS no longer accepts the user's authorization (revoked or expired); open account-link-url to link again"),
    ARCGIS_UNAVAILABLE(OAuthErrorException.TEMPORARILY_UNAVAILABLE, Errors.IDENTITY_PROVIDER_ERROR, Status.SERVICE_UNAVAILABLE,
            "ArcGIS did not answer usefully; try again later"),
    ARCGIS_BUSY(OAuthErrorException.TEMPORARILY_UNAVAILABLE, Errors.IDENTITY_PROVIDER_ERROR, Status.SERVICE_UNAVAILABLE, 1,
            "too many requests are waiting for ArcGIS on this server; try again in a moment"),
    ARCGIS_APP_CREDENTIALS_REFUSED(OAuthErrorException.TEMPORARILY_UNAVAILABLE, Errors.IDENTITY_PROVIDER_ERROR, Status.SERVICE_UNAVAILABLE,
            "ArcGIS refused the app's credentials; an administrator must check the ArcGIS identity provider");

    /** RFC 8693 leaves room for this code; Keycloak's own external exchange answers it with an account-link-url. */
    public static final String NOT_LINKED = "not_linked";

    /**
     * The description of every refusal that depends on the state of another account or of this one, so that a token
     * holder cannot learn which usernames or emails exist; the event's reason keeps the precise cause for the admin.
     */
    static final String USER_REFUSED = "the subject cannot be exchanged for a user of this realm; the audit events record the reason";

    /** What a 503 tells the caller to wait before trying again (the upstream or the other request needs a moment). */
    private static final int DEFAULT_RETRY_AFTER_SECONDS = 5;

    private final String oauthError;
    private final String eventError;
    private final Status status;
    private final int retryAfterSeconds;
    private final String description;

    Rejection(String oauthError, String eventError, String description) {
        this(oauthError, eventError, Status.BAD_REQUEST, 0, description);
    }

    Rejection(String oauthError, String eventError, Status status, String description) {
        this(oauthError, eventError, status, status == Status.SERVICE_UNAVAILABLE ? Rejection.DEFAULT_RETRY_AFTER_SECONDS : 0, description);
    }

    Rejection(String oauthError, String eventError, Status status, int retryAfterSeconds, String description) {
        this.oauthError = oauthError;
        this.eventError = eventError;
        this.status = status;
        this.retryAfterSeconds = retryAfterSeconds;
        this.description = description;
    }

    public RejectedException exception() {
        return new RejectedException(this);
    }

    public String oauthError() { return oauthError; }
    public String eventError() { return eventError; }
    public Status status() { return status; }
    public String description() { return description; }
    /** Seconds for a {@code Retry-After} header; 0 for none. */
    public int retryAfterSeconds() { return retryAfterSeconds; }

    public String reason() {
        return name().toLowerCase(Locale.ROOT);
    }
}
