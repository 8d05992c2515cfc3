package io.github.arcgisbridge.testbed.arcgis;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The accounts the portal knows: members its OpenID Connect login created, and built-in ArcGIS accounts (with a
 * password) of this organisation or of others. Signing in with a built-in account follows the organisation's
 * sign-in URL: only its own accounts, unless the portal models a URL without an organisation (www.arcgis.com).
 */
final class MemberDirectory {

    private record Account(Member member, String password) { }

    private final Organization home;
    private final Map<String, Organization> elsewhere = new ConcurrentHashMap<>();
    private final Map<String, Member> byIdpUserId = new ConcurrentHashMap<>();
    private final Map<String, Account> accounts = new ConcurrentHashMap<>();
    private volatile boolean acceptsOtherOrganizations;

    MemberDirectory(Organization home) {
        this.home = home;
    }

    Organization home() {
        return home;
    }

    void acceptsOtherOrganizations(boolean accepts) {
        this.acceptsOtherOrganizations = accepts;
    }

    /** This organisation's members, of both kinds. */
    List<Member> members() {
        return all().filter(member -> member.orgId().equals(home.id())).toList();
    }

    Member byUsername(String username) {
        return all().filter(member -> member.username().equals(username)).findFirst().orElse(null);
    }

    Organization organizationOf(Member member) {
        return member.orgId().equals(home.id()) ? home : elsewhere.computeIfAbsent(member.orgId(), Organization::elsewhere);
    }

    /**
     * The member an OpenID Connect identity maps to: found by the IdP's user identifier, else created when joining is
     * automatic. ArcGIS Online appends the organisation's urlKey to the username; Enterprise portals append nothing
     * unless configured to.
     */
    Member enterpriseMember(String idpUserId, String usernameClaimValue, String fullName, String email, boolean joinAutomatically) {
        Member existing = byIdpUserId.get(idpUserId);
        if (existing != null) {
            return existing;
        }
        if (!joinAutomatically) {
            throw new SignInException("You are not a member of this organization. Ask an administrator for an invitation.");
        }
        String username = home.urlKey() == null ? usernameClaimValue : usernameClaimValue + "_" + home.urlKey();
        // ArcGIS keeps its members: derive the id from the identity, so an emulator restart gives the same member id.
        String memberId = stableId(Objects.requireNonNullElse(home.urlKey(), home.id()) + "/" + idpUserId);
        return byIdpUserId.computeIfAbsent(idpUserId, id -> new Member(memberId, username, id, fullName, email, home.id()));
    }

    void addArcGisAccount(String username, String password, String fullName, String email, String orgId) {
        accounts.put(username, new Account(new Member(stableId("arcgis/" + username), username, null, fullName, email, orgId), password));
    }

    /** The "ArcGIS login" of the sign-in page; throws {@link SignInException} with the message ArcGIS shows. */
    Member arcGisLogin(String username, String password) {
        Account account = username == null ? null : accounts.get(username);
        if (account == null || !account.password().equals(password)) {
            throw new SignInException("Invalid username or password.");
        }
        if (!acceptsOtherOrganizations && !account.member().orgId().equals(home.id())) {
            throw new SignInException("The username you entered is not a member of this organization.");
        }
        return account.member();
    }

    private Stream<Member> all() {
        return Stream.concat(byIdpUserId.values().stream(), accounts.values().stream().map(Account::member));
    }

    private static String stableId(String seed) {
        return UUID.nameUUIDFromBytes(seed.getBytes(StandardCharsets.UTF_8)).toString().replace("-", "");
    }
}
