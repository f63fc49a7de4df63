package dev.genba.agent.http;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import javax.net.ssl.SSLSocketFactory;

/**
 * The JDK's TLS sockets with SO_LINGER set, so that closing one can end a write the server stopped
 * taking. Without it, {@code SSLSocket.close()} waits for the lock of the stalled write (to send
 * close_notify) for as long as that write waits, and the write deadline's disconnect waits with it;
 * with it, close waits {@value #LINGER_SECONDS} s, then shuts the socket down and the write ends.
 * A connection closed normally has nothing left to send, so it closes as before.
 */
final class LingeringSslSockets extends SSLSocketFactory {
    private static final int LINGER_SECONDS = 1;
    /** One per underlying factory: the JDK keeps idle connections per factory instance, so a new one each time would keep none. */
    private static volatile LingeringSslSockets last;

    private final SSLSocketFactory delegate;

    private LingeringSslSockets(SSLSocketFactory delegate) {
        this.delegate = delegate;
    }

    static SSLSocketFactory over(SSLSocketFactory delegate) {
        LingeringSslSockets current = last;
        if (current == null || current.delegate != delegate) {
            current = new LingeringSslSockets(delegate);
            last = current;
        }
        return current;
    }

    private static Socket lingering(Socket socket) throws IOException {
        socket.setSoLinger(true, LINGER_SECONDS);
        return socket;
    }

    @Override
    public Socket createSocket() throws IOException {
        return lingering(delegate.createSocket());
    }

    @Override
    public Socket createSocket(Socket socket, String host, int port, boolean autoClose) throws IOException {
        return lingering(delegate.createSocket(socket, host, port, autoClose));
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return lingering(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return lingering(delegate.createSocket(host, port, localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return lingering(delegate.createSocket(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
        return lingering(delegate.createSocket(address, port, localAddress, localPort));
    }

    @Override
    public String[] getDefaultCipherSuites() {
        return delegate.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return delegate.getSupportedCipherSuites();
    }
}
