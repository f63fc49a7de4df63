package dev.genba.server.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The network path between an agent and a server, which a test can cut: {@link #cut()} closes
 * every connection and refuses new ones (the port is closed), {@link #restore()} listens again on
 * the same port. A plain byte pump, one thread per direction per connection, on 127.0.0.1.
 */
public final class TcpProxy implements AutoCloseable {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final int targetPort;
    private final int port;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private ServerSocket listener;

    private TcpProxy(int targetPort, ServerSocket listener) {
        this.targetPort = targetPort;
        this.listener = listener;
        this.port = listener.getLocalPort();
    }

    /** Forwards a new port on 127.0.0.1 to {@code targetPort} on 127.0.0.1. */
    public static TcpProxy start(int targetPort) {
        TcpProxy proxy = new TcpProxy(targetPort, listen(0));
        proxy.acceptOn(proxy.listener);
        return proxy;
    }

    public int port() {
        return port;
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    /** Closes every connection and the listening port: clients see resets, then "connection refused". */
    public synchronized void cut() {
        closeQuietly(listener);
        listener = null;
        open.forEach(TcpProxy::closeQuietly);
        open.clear();
    }

    /** Listens again on the same port. */
    public synchronized void restore() {
        if (listener == null) {
            listener = listen(port);
            acceptOn(listener);
        }
    }

    @Override
    public void close() {
        cut();
    }

    private static ServerSocket listen(int port) {
        try {
            ServerSocket socket = new ServerSocket();
            // The port was ours a moment ago; connections the cut closed may still be in TIME_WAIT.
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(LOOPBACK, port), 128);
            return socket;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on 127.0.0.1:" + port, e);
        }
    }

    private void acceptOn(ServerSocket socket) {
        daemon("proxy-accept-" + port, () -> {
            while (!socket.isClosed()) {
                try {
                    connect(socket.accept(), socket);
                } catch (IOException e) {
                    // closed by cut()
                }
            }
        });
    }

    private void connect(Socket client, ServerSocket acceptedOn) {
        open.add(client);
        if (acceptedOn.isClosed()) {
            // accepted just as cut() ran: cut() closes the listener before the open connections, so
            // this one was either closed by it or is closed here; none outlives the cut
            release(client, client);
            return;
        }
        daemon("proxy-connect-" + port, () -> {
            Socket server = new Socket();
            open.add(server);
            try {
                // Forward every chunk at once: Nagle would hold it for the peer's delayed ACK.
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                server.connect(new InetSocketAddress(LOOPBACK, targetPort), 2_000);
            } catch (IOException e) {
                // the server is away: the client sees its connection closed, as through a dead path
                release(client, server);
                return;
            }
            daemon("proxy-up-" + port, () -> pump(client, server));
            pump(server, client);
        });
    }

    private void pump(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream()) {
            OutputStream out = to.getOutputStream();
            for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                out.write(buffer, 0, read);
                out.flush();
            }
        } catch (IOException e) {
            // reset, closed by cut(), or the other direction ended first
        }
        release(from, to);
    }

    private void release(Socket first, Socket second) {
        closeQuietly(first);
        closeQuietly(second);
        open.remove(first);
        open.remove(second);
    }

    private static void daemon(String name, Runnable body) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        thread.start();
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            // already closed
        }
    }
}
