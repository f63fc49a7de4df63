package dev.genba.agent.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.genba.agent.config.ServerContact.Call;
import dev.genba.agent.logs.AgentLog;
import dev.genba.agent.logs.LogBuffer;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ServerContactTest {
    private static final String CONFIG_DOWN = "cannot reach http://genba.local:8080/api/v1/agent/config:"
            + " connection refused or failed (is the server running and the port right?)";
    private static final String STATUS_DOWN = "cannot reach http://genba.local:8080/api/clients/status:"
            + " connection refused or failed (is the server running and the port right?)";

    private final LogBuffer shipped = new LogBuffer(1000);
    private final ServerContact contact = new ServerContact(Clock.systemUTC());

    @BeforeEach
    void captureWarnings() {
        AgentLog.toConsoleAndShipping(shipped);
    }

    @AfterEach
    void quiet() {
        AgentLog.errorsOnly();
    }

    @Test
    void a_night_without_the_server_is_one_warning_per_kind_of_call_not_one_per_call() {
        contact.answered(Call.CONFIG, null);
        contact.answered(Call.STATUS, null);
        for (int minute = 0; minute < 600; minute++) { // config polled twice a minute, status once
            contact.unreachable(Call.CONFIG, CONFIG_DOWN);
            contact.unreachable(Call.STATUS, STATUS_DOWN);
            contact.unreachable(Call.CONFIG, CONFIG_DOWN);
        }

        assertThat(warnings()).containsExactly("server problem: " + CONFIG_DOWN, "server problem: " + STATUS_DOWN);
        assertThat(contact.state().reachable()).isFalse();
        assertThat(contact.state().problem()).isIn(CONFIG_DOWN, STATUS_DOWN);

        contact.answered(Call.STATUS, null);
        assertThat(contact.state().problem()).as("config has not answered yet").isEqualTo(CONFIG_DOWN);
        contact.answered(Call.CONFIG, null);
        assertThat(contact.state()).extracting(ServerContact.State::reachable, ServerContact.State::problem)
                .containsExactly(true, null);
    }

    @Test
    void a_server_that_refuses_the_config_poll_but_takes_reports_is_warned_about_once() {
        String refused = "GET http://genba.local:8080/api/v1/agent/config answered 404";
        for (int minute = 0; minute < 60; minute++) {
            contact.answered(Call.CONFIG, refused);
            contact.answered(Call.STATUS, null);
            contact.answered(Call.CONFIG, refused);
        }

        assertThat(warnings()).containsExactly("server problem: " + refused);
        assertThat(contact.state().problem()).isEqualTo(refused);
    }

    @Test
    void a_new_problem_of_the_same_call_is_warned_about() {
        contact.unreachable(Call.STATUS, STATUS_DOWN);
        contact.answered(Call.STATUS, "POST http://genba.local:8080/api/clients/status answered 503");
        contact.answered(Call.STATUS, null);
        contact.unreachable(Call.STATUS, STATUS_DOWN);

        assertThat(warnings()).containsExactly("server problem: " + STATUS_DOWN,
                "server problem: POST http://genba.local:8080/api/clients/status answered 503",
                "server problem: " + STATUS_DOWN);
    }

    private List<String> warnings() {
        return shipped.take(1000).entries().stream().map(entry -> entry.message()).toList();
    }
}
