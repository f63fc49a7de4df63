package dev.genba.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The unit's ExecStartPre, run as systemd runs it (with this machine's java and temporary paths):
 * it makes the class-data archive, leaves a good one alone, and makes a new one when the JVM
 * cannot use the one it finds (a JDK upgraded under it, a damaged file), which the JVM would
 * otherwise skip without a word, running a few MB larger.
 */
class UnitArchiveTest {
    private static final Path UNIT = Path.of("..", "deploy", "systemd", "genba-agent.service");

    @TempDir
    Path directory;

    @Test
    void the_start_makes_the_archive_once_and_again_when_the_jvm_cannot_use_it() throws Exception {
        Path jar = directory.resolve("genba-agent.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), new Manifest())) {
            out.putNextEntry(new JarEntry("placeholder.txt"));
            out.write("a jar for the archive's class path".getBytes());
        }
        Files.setLastModifiedTime(jar, FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        Files.writeString(directory.resolve("genba-agent.classlist"), "java/lang/Object\njava/lang/String\n");
        Path archive = directory.resolve("state").resolve("genba-agent.jsa");
        Files.createDirectories(archive.getParent());

        assertThat(runStartPre()).isZero();
        assertThat(usable(archive)).as("made at the first start").isTrue();

        FileTime made = Files.getLastModifiedTime(archive);
        assertThat(runStartPre()).isZero();
        assertThat(Files.getLastModifiedTime(archive)).as("a good archive is left alone").isEqualTo(made);

        // damaged (or made by another JDK), and still newer than the jar
        byte[] whole = Files.readAllBytes(archive);
        try (OutputStream out = Files.newOutputStream(archive)) {
            out.write(whole, 0, whole.length / 4);
        }
        assertThat(usable(archive)).isFalse();
        assertThat(runStartPre()).isZero();
        assertThat(usable(archive)).as("made again").isTrue();
    }

    /** The ExecStartPre's shell script with the unit's paths pointed at this test's files. */
    private int runStartPre() throws IOException, InterruptedException {
        String unit = Files.readString(UNIT).replace("\\\n", " ");
        String line = unit.lines().filter(l -> l.startsWith("ExecStartPre=/bin/sh -c '")).findFirst().orElseThrow();
        String script = line.substring(line.indexOf('\'') + 1, line.lastIndexOf('\''))
                .replace("/usr/bin/java", java())
                .replace("/opt/genba/genba-agent.jar", directory.resolve("genba-agent.jar").toString())
                .replace("/opt/genba/genba-agent.classlist", directory.resolve("genba-agent.classlist").toString())
                .replace("/var/lib/genba-agent", directory.resolve("state").toString());
        assertThat(script).doesNotContain("/opt/genba", "/var/lib/genba-agent");
        return run(List.of("/bin/sh", "-c", script));
    }

    private boolean usable(Path archive) throws IOException, InterruptedException {
        return run(List.of(java(), "-XX:+UseSerialGC", "-Xshare:on", "-XX:SharedArchiveFile=" + archive, "-cp",
                directory.resolve("genba-agent.jar").toString(), "-version")) == 0;
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private int run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(directory.resolve("output.txt").toFile()).start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as(String.join(" ", command)).isTrue();
        return process.exitValue();
    }
}
