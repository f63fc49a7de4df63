package dev.genba.agent.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SystemSamplerTest {
    @TempDir
    Path root;

    private void write(String file, String content) throws Exception {
        Path path = root.resolve(file);
        Files.createDirectories(path.getParent());
        Files.writeString(path, content);
    }

    @Test
    void reads_memory_temperature_uptime_and_boot_time_from_proc_and_sys() throws Exception {
        write("proc/stat", "cpu  100 0 100 800 0 0 0 0 0 0\nbtime 1795461618\n");
        write("proc/meminfo", "MemTotal:         500000 kB\nMemFree:  100000 kB\nMemAvailable:     125000 kB\n");
        write("proc/uptime", "3600.52 7000.10\n");
        write("proc/sys/kernel/hostname", "handheld-01\n");
        write("sys/class/thermal/thermal_zone0/temp", "48312\n");

        SystemSample sample = new SystemSampler(root).sample();

        assertThat(sample.memoryUsage()).isEqualTo(75.0);
        assertThat(sample.temperature()).isEqualTo(48.3);
        assertThat(sample.uptimeSeconds()).isEqualTo(3600);
        assertThat(sample.lastBoot()).isEqualTo(Instant.ofEpochSecond(1795461618));
        assertThat(sample.hostname()).isEqualTo("handheld-01");
    }

    @Test
    void cpu_usage_is_the_busy_share_between_two_samples() {
        assertThat(SystemSampler.cpuUsage(new long[] {200, 1000}, new long[] {250, 1100})).isEqualTo(50.0);
        assertThat(SystemSampler.cpuUsage(new long[] {200, 1000}, new long[] {200, 1000})).isNull();
        assertThat(SystemSampler.cpuUsage(null, new long[] {200, 1000})).isNull();
    }

    @Test
    void a_pi_without_a_thermal_zone_reports_no_temperature() throws Exception {
        write("proc/stat", "cpu  1 0 1 8 0 0 0 0 0 0\n");

        assertThat(new SystemSampler(root).sample().temperature()).isNull();
    }
}
