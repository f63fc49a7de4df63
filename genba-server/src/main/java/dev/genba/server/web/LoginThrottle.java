package dev.genba.server.web;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Slows down password guessing: after {@link #FREE_FAILURES} failed logins in a row for one
 * user name, or {@link #FREE_FAILURES_PER_ADDRESS} from one address (a shared kiosk has many
 * users), further attempts are refused without checking the password,
 * for 30 s, doubling with each further failure up to 15 minutes. A good login clears the name.
 * Kept in memory (bounded): a restart forgets it, which costs an attacker a restart per round.
 */
public final class LoginThrottle {
    static final int FREE_FAILURES = 5;
    static final int FREE_FAILURES_PER_ADDRESS = 20;
    private static final Duration FIRST_LOCK = Duration.ofSeconds(30);
    private static final Duration LONGEST_LOCK = Duration.ofMinutes(15);
    /** Failures older than this are forgotten. */
    private static final Duration MEMORY = Duration.ofHours(1);
    private static final int MAX_ENTRIES = 10_000;

    private final Clock clock;
    private final Map<String, Failures> failures = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Failures> eldest) {
            return size() > MAX_ENTRIES;
        }
    };

    public LoginThrottle(Clock clock) {
        this.clock = clock;
    }

    private static final class Failures {
        int count;
        Instant last;
        Instant lockedUntil;
    }

    /** How long the caller must still wait, if locked. */
    public synchronized Optional<Duration> wait(String user, String address) {
        Instant now = clock.instant();
        Duration longest = Duration.ZERO;
        for (String key : keys(user, address)) {
            Failures entry = failures.get(key);
            if (entry != null && entry.lockedUntil != null && entry.lockedUntil.isAfter(now)) {
                Duration left = Duration.between(now, entry.lockedUntil);
                longest = left.compareTo(longest) > 0 ? left : longest;
            }
        }
        return longest.isZero() ? Optional.empty() : Optional.of(longest);
    }

    public synchronized void failed(String user, String address) {
        Instant now = clock.instant();
        for (String key : keys(user, address)) {
            Failures entry = failures.computeIfAbsent(key, k -> new Failures());
            if (entry.last != null && entry.last.isBefore(now.minus(MEMORY))) {
                entry.count = 0;
            }
            entry.count++;
            entry.last = now;
            int free = key.startsWith("a:") ? FREE_FAILURES_PER_ADDRESS : FREE_FAILURES;
            if (entry.count >= free) {
                int doublings = Math.min(entry.count - free, 10);
                Duration lock = FIRST_LOCK.multipliedBy(1L << doublings);
                entry.lockedUntil = now.plus(lock.compareTo(LONGEST_LOCK) > 0 ? LONGEST_LOCK : lock);
            }
        }
    }

    public synchronized void succeeded(String user, String address) {
        failures.remove(userKey(user));
        failures.remove("a:" + address);
    }

    private static String[] keys(String user, String address) {
        return new String[] {userKey(user), "a:" + address};
    }

    private static String userKey(String user) {
        return "u:" + user.toLowerCase(java.util.Locale.ROOT);
    }
}
