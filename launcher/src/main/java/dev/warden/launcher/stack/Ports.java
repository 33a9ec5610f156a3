package dev.warden.launcher.stack;

import dev.warden.launcher.LauncherException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Port checks done before anything starts, so a taken port fails at once with a message saying what to change. */
final class Ports {

    private Ports() {
    }

    /** Fails when something listens on this port already; 0 ("any free port") always passes. */
    static void requireFree(int port, String what, String howToChange) {
        if (port == 0) {
            return;
        }
        // Bound like the servers will be, on every address: a listener on any of them makes it fail.
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(port));
        } catch (IOException e) {
            throw new LauncherException("Port " + port + " for " + what + " is already in use (is another Warden running?)."
                    + " Stop what uses it, or " + howToChange + ".");
        }
    }

    static int free() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
