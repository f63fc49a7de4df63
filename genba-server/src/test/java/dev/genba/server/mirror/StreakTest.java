package dev.genba.server.mirror;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreakTest {
    private static final LocalDate FEB_20 = LocalDate.of(2025, 2, 20);

    private static List<Streak.Day> okDays(LocalDate first, int days) {
        List<Streak.Day> runs = new ArrayList<>();
        for (int i = 0; i < days; i++) {
            runs.add(new Streak.Day(first.plusDays(i), true));
        }
        return runs;
    }

    @Test
    void counts_consecutive_ok_days() {
        assertThat(Streak.of(okDays(FEB_20.minusDays(4), 5), FEB_20)).isEqualTo(5);
    }

    @Test
    void still_counts_before_todays_run_has_happened() {
        assertThat(Streak.of(okDays(FEB_20.minusDays(5), 5), FEB_20)).isEqualTo(5);
    }

    @Test
    void a_day_without_a_run_resets_it() {
        assertThat(Streak.of(okDays(FEB_20.minusDays(7), 5), FEB_20)).isZero();
        List<Streak.Day> gap = okDays(FEB_20.minusDays(9), 3);
        gap.addAll(okDays(FEB_20.minusDays(2), 3));
        assertThat(Streak.of(gap, FEB_20)).isEqualTo(3);
    }

    @Test
    void an_ng_or_error_resets_it_and_the_next_ok_day_starts_again_at_one() {
        List<Streak.Day> runs = okDays(FEB_20.minusDays(6), 4);
        runs.add(new Streak.Day(FEB_20.minusDays(2), false));
        runs.add(new Streak.Day(FEB_20.minusDays(1), true));
        assertThat(Streak.of(runs, FEB_20)).isEqualTo(1);
        runs.add(new Streak.Day(FEB_20, false));
        assertThat(Streak.of(runs, FEB_20)).isZero();
    }

    @Test
    void two_runs_on_one_day_count_once() {
        List<Streak.Day> runs = okDays(FEB_20.minusDays(1), 2);
        runs.add(new Streak.Day(FEB_20, true));
        assertThat(Streak.of(runs, FEB_20)).isEqualTo(2);
    }

    @Test
    void fourteen_days_reach_the_target() {
        assertThat(Streak.of(okDays(FEB_20.minusDays(13), 14), FEB_20)).isEqualTo(14);
    }
}
