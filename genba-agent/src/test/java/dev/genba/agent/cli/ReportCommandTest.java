package dev.genba.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.genba.agent.testing.FakeGenbaServer;
import dev.genba.agent.testing.TestConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
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
}
