package io.github.arcgisbridge.testbed.identityserver;

import java.util.LinkedHashMap;
import java.util.Map;

/** A user of the testbed issuer, with the profile claims IdentityServer4's ASP.NET Identity integration emits. */
public record TestUser(String subject, String username, String password, String email, String givenName, String familyName) {

    public static final TestUser ALICE = new TestUser("818727", "alice", "alice", "alice@example.com", "Alice", "Example");
    public static final TestUser BOB = new TestUser("88421113", "bob", "bob", "bob@example.com", "Bob", "Smith");

    /**
     * The {@code n}-th generated user for load runs: {@code load00042} / password {@code load00042}, subject
     * {@code 9000042}, so soak and cluster scripts can exchange tokens of many distinct users.
     */
    public static TestUser generated(int n) {
        String name = String.format("load%05d", n);
        return new TestUser(String.valueOf(9_000_000 + n), name, name, name + "@example.com", "Load", String.format("User %05d", n));
    }

    public Map<String, Object> profileClaims() {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("sub", subject);
        claims.put("preferred_username", username);
        claims.put("name", givenName + " " + familyName);
        claims.put("given_name", givenName);
        claims.put("family_name", familyName);
        claims.put("email", email);
        claims.put("email_verified", true);
        return claims;
    }
}
