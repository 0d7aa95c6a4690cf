package dev.streaminfer.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.HashSet;
import java.util.Set;

/** Free-port lookup for test stacks, so tests never collide with a running quickstart. */
public final class Ports {

    /** Ports handed out by this JVM; the OS could return one twice before it is bound. */
    private static final Set<Integer> HANDED_OUT = new HashSet<>();

    private Ports() {}

    /**
     * Returns a port that is free on 127.0.0.1 right now and that this JVM has not handed out
     * before. There is an unavoidable window between this check and the service binding it.
     */
    public static synchronized int freePort() {
        for (int attempt = 0; attempt < 50; attempt++) {
            try (ServerSocket socket = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
                int port = socket.getLocalPort();
                if (HANDED_OUT.add(port)) {
                    return port;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open a socket on 127.0.0.1 to find a free port", e);
            }
        }
        throw new IllegalStateException("no free port found on 127.0.0.1 after 50 attempts");
    }

    /** True if something accepts TCP connections on 127.0.0.1:{@code port}. */
    public static boolean isListening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
