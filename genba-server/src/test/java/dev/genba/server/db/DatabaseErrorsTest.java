package dev.genba.server.db;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class DatabaseErrorsTest {

    private static RuntimeException failure(String sqlState, String message) {
        return new IllegalStateException("wrapped", new SQLException(message, sqlState));
    }

    @Test
    void a_database_that_is_away_or_rolled_back_a_deadlock_is_worth_trying_again_a_refused_value_is_not() {
        assertThat(DatabaseErrors.isUnavailable(failure("08006", "connection failure"))).isTrue();
        assertThat(DatabaseErrors.isUnavailable(failure("57P01", "terminating connection"))).isTrue();
        assertThat(DatabaseErrors.isUnavailable(failure("40P01", "deadlock detected"))).isTrue();
        assertThat(DatabaseErrors.isUnavailable(failure("40001", "could not serialize access"))).isTrue();
        assertThat(DatabaseErrors.isUnavailable(failure("22003", "numeric field overflow"))).isFalse();
        assertThat(DatabaseErrors.isUnavailable(failure("42P01", "relation does not exist"))).isFalse();

        assertThat(DatabaseErrors.isDataException(failure("22P05", "unsupported Unicode escape sequence"))).isTrue();
        assertThat(DatabaseErrors.isDataException(failure("40P01", "deadlock detected"))).isFalse();
        assertThat(DatabaseErrors.dataExceptionMessage(failure("22P05",
                "ERROR: unsupported Unicode escape sequence\n  Detail: \\u0000 cannot be converted to text.\n  Where: JSON data")))
                .isEqualTo("unsupported Unicode escape sequence");
    }
}
