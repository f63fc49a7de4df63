package dev.genba.server.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Random;

/**
 * The {@code /proc} and {@code /sys} files of a pretend Raspberry Pi, rewritten a few times a
 * second so the real agent's sampler reads a machine with this one's character: a CPU load
 * wandering around {@code cpu} %, memory around {@code memory} %, temperature around
 * {@code temperature} °C. Files are replaced by rename, so a reader never sees half a file.
 */
final class SimulatedPi {
    private static final long TOTAL_KB = 512 * 1024;

    private final Path root;
    private final String hostname;
    private final double cpu;
    private final double memory;
    private final double temperature;
    private final Instant bootedAt;
    private final Random random;
    private long busyJiffies;
    private long idleJiffies;

    SimulatedPi(Path root, String hostname, double cpu, double memory, double temperature, Instant bootedAt, long seed) {
        this.root = root;
        this.hostname = hostname;
        this.cpu = cpu;
        this.memory = memory;
        this.temperature = temperature;
        this.bootedAt = bootedAt;
        this.random = new Random(seed);
    }

    Path root() {
        return root;
    }

    /** Advances the counters by one tick of {@code millis} and rewrites the files. */
    synchronized void tick(long millis, Instant now) {
        double load = clamp(cpu + random.nextGaussian() * 6, 1, 99) / 100;
        long jiffies = Math.max(1, millis / 10) * 4;
        busyJiffies += Math.round(jiffies * load);
        idleJiffies += Math.round(jiffies * (1 - load));
        double used = clamp(memory + random.nextGaussian() * 2, 5, 99) / 100;
        double celsius = clamp(temperature + random.nextGaussian() * 0.8, 20, 95);
        long uptime = Math.max(1, now.getEpochSecond() - bootedAt.getEpochSecond());
        write("proc/stat", "cpu  " + busyJiffies + " 0 0 " + idleJiffies + " 0 0 0 0 0 0\nbtime " + bootedAt.getEpochSecond() + "\n");
        write("proc/meminfo", "MemTotal:       " + TOTAL_KB + " kB\nMemFree:        " + Math.round(TOTAL_KB * (1 - used) / 2)
                + " kB\nMemAvailable:   " + Math.round(TOTAL_KB * (1 - used)) + " kB\n");
        write("sys/class/thermal/thermal_zone0/temp", Math.round(celsius * 1000) + "\n");
        write("proc/uptime", uptime + ".00 " + uptime * 3 + ".00\n");
        write("proc/sys/kernel/hostname", hostname + "\n");
    }

    private void write(String relative, String content) {
        Path file = root.resolve(relative);
        try {
            Files.createDirectories(file.getParent());
            Path temp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(temp, content, StandardCharsets.US_ASCII);
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static double clamp(double value, double min, double max) {
        return Math.max(min, Math.min(max, value));
    }
}
