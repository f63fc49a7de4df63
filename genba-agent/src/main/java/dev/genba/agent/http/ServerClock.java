package dev.genba.agent.http;

/**
 * How far the server's clock is ahead of this Pi's, read from the {@code Date} header of an answer.
 * A Pi has no clock that runs while it is off; until NTP sets it, it runs from the time it was last
 * shut down, and every scan the agent stamps gets that time as {@code scanned_at}: a part scanned
 * at a new place would then not move, because the server keeps the newest {@code scanned_at}.
 */
public final class ServerClock {
    /** More than this apart and the scans' times are wrong enough to matter (the header has whole seconds). */
    public static final long TOLERANCE_MS = 60_000;

    private ServerClock() {
    }

    /**
     * The server's clock minus this Pi's, in ms, for an answer whose {@code Date} header said
     * {@code serverDateMs} (0: none), received at {@code receivedAtMs} after {@code elapsedMs}; null without a date.
     */
    static Long aheadMs(long serverDateMs, long receivedAtMs, long elapsedMs) {
        if (serverDateMs <= 0) {
            return null;
        }
        // the header is cut to the second: the server's time was half a second later on average,
        // and it was read about halfway between sending the request and getting the answer
        return serverDateMs + 500 - (receivedAtMs - elapsedMs / 2);
    }

    public static boolean agrees(long aheadMs) {
        return Math.abs(aheadMs) <= TOLERANCE_MS;
    }

    /** "this Pi's clock is 2 h 5 min behind the server's", or "... ahead of ...". */
    public static String describe(long aheadMs) {
        // rounded, not cut: the offset is known to about a second either way
        long seconds = (Math.abs(aheadMs) + 500) / 1000;
        long minutes = (seconds + 30) / 60;
        long hours = (minutes + 30) / 60;
        String amount;
        if (seconds < 120) {
            amount = seconds + " s";
        } else if (minutes < 2 * 60) {
            amount = minutes + " min";
        } else if (hours < 2 * 24) {
            amount = minutes / 60 + " h " + minutes % 60 + " min";
        } else {
            amount = hours / 24 + " days " + hours % 24 + " h";
        }
        return "this Pi's clock is " + amount + (aheadMs > 0 ? " behind" : " ahead of") + " the server's";
    }
}
