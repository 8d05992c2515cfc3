package io.github.arcgisbridge.deployment;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Makes a server of this JVM that listens on 127.0.0.1 reachable from containers: a TCP relay on the Docker bridge's
 * gateway address (the host as containers see it), same port, to 127.0.0.1. The testbed's servers listen on loopback
 * only, and Testcontainers' own way ({@code Testcontainers.exposeHostPorts}) starts an SSH container whose image no
 * registry here can provide. The gateway address is reachable from the host and its containers only.
 */
final class HostRelay implements AutoCloseable {

    private final ServerSocket server;
    private final int port;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final ExecutorService threads = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "host-relay");
        thread.setDaemon(true);
        return thread;
    });

    private HostRelay(ServerSocket server, int port) {
        this.server = server;
        this.port = port;
        threads.execute(this::accept);
    }

    /** Relays {@code bindAddress:port} to {@code 127.0.0.1:port}. */
    static HostRelay start(String bindAddress, int port) throws IOException {
        ServerSocket server = new ServerSocket();
        server.bind(new InetSocketAddress(bindAddress, port), 64);
        return new HostRelay(server, port);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                threads.execute(() -> relay(client));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void relay(Socket client) {
        try (client; Socket upstream = new Socket(InetAddress.getLoopbackAddress(), port)) {
            open.add(client);
            open.add(upstream);
            threads.execute(() -> pump(client, upstream));
            pump(upstream, client);
        } catch (IOException e) {
            // the peer went away; nothing to relay
        } finally {
            open.remove(client);
            open.removeIf(Socket::isClosed);
        }
    }

    /** Copies until end of stream, then half-closes, so that each side sees the other's end (HTTP keep-alive ends). */
    private static void pump(Socket from, Socket to) {
        try { // not try-with-resources: closing a socket's stream closes the socket, and the other direction with it
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            in.transferTo(out);
            out.flush();
            to.shutdownOutput();
        } catch (IOException e) {
            // one side closed
        }
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        for (Socket socket : open) {
            try {
                socket.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
        threads.shutdownNow();
    }
}
