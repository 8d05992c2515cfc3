package io.github.arcgisbridge.testbed.identityserver;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.HashSet;

/**
 * What the issuer should put in one token. Defaults are IdentityServer4 4.x's: RS256, {@code typ} {@code at+jwt}
 * for access tokens, scope as a JSON array, 3600 s lifetime.
 * The deviations tests need (wrong algorithm, foreign key, shifted times, odd claims) are set here too. {@code aud}
 * is the API resource {@code arcgis-bridge}, as IdentityServer4 emits it once that API resource is configured.
 */
public final class TokenSpec {

    /** How the {@code aud} claim is emitted, as IdentityServer4 decides it. */
    public enum Audience {
        /** Only API scopes configured: no {@code aud} at all (4.x default). */
        NONE,
        /** {@code EmitStaticAudienceClaim}: {@code <issuer>/resources}. */
        STATIC_RESOURCES,
        /** The names of the requested API resources (see {@link #apiResources}). */
        API_RESOURCES
    }

    /** How the token is signed. Everything but {@code RS256_PUBLISHED} must be refused by a verifier. */
    public enum Signing { RS256_PUBLISHED, RS256_UNPUBLISHED_KEY, NONE, HS256_WITH_PUBLIC_KEY, TAMPERED_PAYLOAD }

    TestUser user = TestUser.ALICE;
    String clientId = "map-spa";
    List<String> scopes = new ArrayList<>(List.of("openid", "profile", "email", "arcgis.read"));
    boolean scopeAsString;
    // The issuer has the API resource 'arcgis-bridge' (its introspection credentials name it), so tokens for its scope carry it.
    Audience audience = Audience.API_RESOURCES;
    List<String> apiResources = new ArrayList<>(List.of("arcgis-bridge"));
    long lifetimeSeconds = 3600;
    long issuedAtShiftSeconds;
    Long notBeforeShiftSeconds;
    String typ = "at+jwt";
    Signing signing = Signing.RS256_PUBLISHED;
    String issuerOverride;
    final Map<String, Object> extraHeaders = new LinkedHashMap<>();
    final Map<String, Object> extraClaims = new LinkedHashMap<>();
    final Set<String> omittedClaims = new HashSet<>();
    boolean includeProfileClaims;
    String trailingPayload;

    public static TokenSpec forUser(TestUser user) {
        return new TokenSpec().user(user);
    }

    public TokenSpec user(TestUser user) { this.user = user; return this; }
    public TokenSpec clientId(String clientId) { this.clientId = clientId; return this; }
    public TokenSpec scopes(String... scopes) { this.scopes = new ArrayList<>(List.of(scopes)); return this; }
    /** {@code EmitScopesAsSpaceDelimitedStringInJwt}. */
    public TokenSpec scopeAsString() { this.scopeAsString = true; return this; }
    public TokenSpec audience(Audience audience) { this.audience = audience; return this; }
    public TokenSpec apiResources(String... names) { this.apiResources = new ArrayList<>(List.of(names)); this.audience = Audience.API_RESOURCES; return this; }
    public TokenSpec lifetimeSeconds(long seconds) { this.lifetimeSeconds = seconds; return this; }
    /** Moves {@code iat}, {@code nbf} and {@code auth_time} (and so {@code exp}) by this many seconds. */
    public TokenSpec issuedAtShift(long seconds) { this.issuedAtShiftSeconds = seconds; return this; }
    public TokenSpec notBeforeShift(long seconds) { this.notBeforeShiftSeconds = seconds; return this; }
    /** The access token's {@code typ} header (ID tokens always carry {@code JWT}, as IdentityServer4's do). */
    public TokenSpec typ(String typ) { this.typ = typ; return this; }
    public TokenSpec signing(Signing signing) { this.signing = signing; return this; }
    public TokenSpec issuer(String issuer) { this.issuerOverride = issuer; return this; }
    public TokenSpec header(String name, Object value) { this.extraHeaders.put(name, value); return this; }
    public TokenSpec claim(String name, Object value) { this.extraClaims.put(name, value); return this; }
    public TokenSpec without(String claim) { this.omittedClaims.add(claim); return this; }
    /** Raw text signed after the claims object, e.g. a second object: a lenient parser reads one token, a strict one refuses. */
    public TokenSpec trailingPayload(String raw) { this.trailingPayload = raw; return this; }
    /** Profile claims in the token itself ({@code AlwaysIncludeUserClaimsInIdToken}, or claims added to access tokens). */
    public TokenSpec withProfileClaims() { this.includeProfileClaims = true; return this; }

    public long lifetimeSeconds() { return lifetimeSeconds; }
}
