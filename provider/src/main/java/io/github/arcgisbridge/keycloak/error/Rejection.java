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
    SUBJECT_CLIENT_NOT_PAIRED(OAuthErrorException.INVALID_REQUEST, Errors.NOT_ALLOWED,
            "subject_token was not issued to the IdentityServer4 client this public client is paired with"),
    AUDIENCE_UNKNOWN(OAuthErrorException.INVALID_TARGET, Errors.CLIENT_NOT_FOUND, "audience is not a known client"),
    AUDIENCE_DISABLED(OAuthErrorException.INVALID_TARGET, Errors.CLIENT_DISABLED, "audience client is disabled"),
    AUDIENCE_NOT_PERMITTED(OAuthErrorException.INVALID_TARGET, Errors.NOT_ALLOWED,
            "client is not allowed to request this audience"),
    RESOURCE_UNKNOWN(OAuthErrorException.INVALID_TARGET, Errors.INVALID_REQUEST, "resource is not a known resource indicator"),
    ID_TOKEN_NEEDS_ONE_AUDIENCE(OAuthErrorException.INVALID_TARGET, Errors.INVALID_REQUEST,
            "an id_token can be issued for exactly one audience"),
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
    USERNAME_TAKEN(OAuthErrorException.INVALID_REQUEST, Errors.USERNAME_IN_USE,
            "a different user already has this username; link the accounts explicitly"),
    EMAIL_TAKEN(OAuthErrorException.INVALID_REQUEST, Errors.EMAIL_IN_USE,
            "a different user already has this email; link the accounts explicitly"),
    USER_DISABLED(OAuthErrorException.INVALID_REQUEST, Errors.USER_DISABLED, "user is disabled"),
    USER_LOCKED_OUT(OAuthErrorException.INVALID_REQUEST, Errors.USER_TEMPORARILY_DISABLED, "user is temporarily locked out"),

    // the user's ArcGIS token
    ARCGIS_NOT_LINKED(Rejection.NOT_LINKED, Errors.NOT_ALLOWED,
            "the user has not linked an ArcGIS account; open account-link-url once"),
    ARCGIS_AUTHORIZATION_INVALID(Rejection.NOT_LINKED, Errors.NOT_ALLOWED,
            "ArcGIS no longer accepts the user's authorization (revoked or expired); open account-link-url to link again"),
    ARCGIS_UNAVAILABLE(OAuthErrorException.TEMPORARILY_UNAVAILABLE, Errors.IDENTITY_PROVIDER_ERROR, Status.SERVICE_UNAVAILABLE,
            "ArcGIS did not answer usefully; try again later"),
    ARCGIS_APP_CREDENTIALS_REFUSED(OAuthErrorException.TEMPORARILY_UNAVAILABLE, Errors.IDENTITY_PROVIDER_ERROR, Status.SERVICE_UNAVAILABLE,
            "ArcGIS refused the app's credentials; an administrator must check the ArcGIS identity provider");

    /** RFC 8693 leaves room for this code; Keycloak's own external exchange answers it with an account-link-url. */
    public static final String NOT_LINKED = "not_linked";

    private final String oauthError;
    private final String eventError;
    private final Status status;
    private final String description;

    Rejection(String oauthError, String eventError, String description) {
        this(oauthError, eventError, Status.BAD_REQUEST, description);
    }

    Rejection(String oauthError, String eventError, Status status, String description) {
        this.oauthError = oauthError;
        this.eventError = eventError;
        this.status = status;
        this.description = description;
    }

    public RejectedException exception() {
        return new RejectedException(this);
    }

    public String oauthError() { return oauthError; }
    public String eventError() { return eventError; }
    public Status status() { return status; }
    public String description() { return description; }

    public String reason() {
        return name().toLowerCase(Locale.ROOT);
    }
}
