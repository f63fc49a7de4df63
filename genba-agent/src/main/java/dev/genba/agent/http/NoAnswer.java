package dev.genba.agent.http;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;

/** A plain sentence for a request that got no HTTP answer at all. */
public final class NoAnswer {
    private NoAnswer() {
    }

    public static String describe(String url, IOException e) {
        String why;
        if (e instanceof UnknownHostException) {
            why = "unknown host " + e.getMessage() + " (check the name in the config, DNS or /etc/hosts)";
        } else if (e instanceof ConnectException) {
            why = "connection refused or failed (is the server running and the port right?)";
        } else if (e instanceof NoRouteToHostException) {
            why = "no route to the host (network cable, Wi-Fi or address?)";
        } else if (e instanceof SocketTimeoutException) {
            why = "timed out (" + e.getMessage() + ")";
        } else {
            why = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        return "cannot reach " + url + ": " + why;
    }
}
