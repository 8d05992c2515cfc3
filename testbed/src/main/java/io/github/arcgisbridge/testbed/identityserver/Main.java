package io.github.arcgisbridge.testbed.identityserver;

import java.util.concurrent.CountDownLatch;

/** Runs the testbed issuer standalone: {@code java ... Main [port]} (default 5000). */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        IdentityServer4Issuer issuer = IdentityServer4Issuer.start(port);
        Runtime.getRuntime().addShutdownHook(new Thread(issuer::close));
        System.out.println("IdentityServer4-compatible testbed issuer listening at " + issuer.issuer());
        System.out.println("  discovery: " + issuer.issuer() + "/.well-known/openid-configuration");
        System.out.println("  users: alice/alice (sub 818727), bob/bob (sub 88421113); client map-spa (password grant)");
        new CountDownLatch(1).await();
    }
}
