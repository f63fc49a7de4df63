package dev.genba.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.genba.agent.testing.FakeGenbaServer;
import dev.genba.agent.testing.TestConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportCommandTest {
    @TempDir
    Path directory;

    @Test
    void report_leaves_out_logs_dropped_which_only_the_running_agent_knows() throws Exception {
        try (FakeGenbaServer server = new FakeGenbaServer()) {
            Path config = TestConfig.write(directory, server.url(), "");
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();

            int exitCode = AgentCli.execute(new String[] {"report", "--config", config.toString()},
                    new PrintWriter(out), new PrintWriter(err));

            assertThat(exitCode).as(err.toString()).isZero();
            assertThat(server.statusReports()).hasSize(1);
            assertThat(server.statusReports().get(0).logsDropped()).isNull();
            assertThat(out.toString()).contains("\"client_id\":\"HANDHELD-01\"").doesNotContain("logs_dropped");
        }
    }

    @Test
    void report_to_a_server_that_never_answers_gives_up_after_10_s_even_with_a_10_minute_timeout_ms()
            throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 8, InetAddress.getLoopbackAddress())) {
            // takes the connection (the backlog does) and never answers
            Path config = TestConfig.write(directory, "http://127.0.0.1:" + silent.getLocalPort(),
                    "\"timeout_ms\": 600000");
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();

            int exitCode = assertTimeoutPreemptively(Duration.ofSeconds(120), () -> AgentCli.execute(
                    new String[] {"report", "--config", config.toString()}, new PrintWriter(out), new PrintWriter(err)));

            assertThat(exitCode).isEqualTo(1);
            assertThat(err.toString()).contains("the server did not take the report");
        }
    }
}
