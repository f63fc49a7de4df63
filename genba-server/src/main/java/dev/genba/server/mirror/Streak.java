package dev.genba.server.mirror;

import java.time.LocalDate;
import java.util.List;

/**
 * The OK streak: consecutive calendar days (factory time) with an OK scheduled comparison.
 * An NG or ERROR run resets it, a day without any run resets it, two OK runs on one day count
 * once. Manual runs never count.
 */
public final class Streak {
    private Streak() {
    }

    /** One scheduled run: its day in factory time and whether it was OK. */
    public record Day(LocalDate date, boolean ok) {
    }

    /** {@code runs} oldest first; {@code today} in factory time. */
    public static int of(List<Day> runs, LocalDate today) {
        int streak = 0;
        LocalDate lastOk = null;
        for (Day run : runs) {
            if (!run.ok()) {
                streak = 0;
                lastOk = null;
            } else if (lastOk == null || run.date().isAfter(lastOk)) {
                streak = lastOk != null && run.date().equals(lastOk.plusDays(1)) ? streak + 1 : 1;
                lastOk = run.date();
            }
        }
        // A day that passed without a run breaks the streak (today's run may still be ahead).
        if (lastOk == null || today.isAfter(lastOk.plusDays(1))) {
            return 0;
        }
        return streak;
    }
}
