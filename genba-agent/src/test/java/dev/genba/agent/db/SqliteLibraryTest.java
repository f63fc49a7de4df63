package dev.genba.agent.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.genba.agent.testing.AgentProcesses;
import dev.genba.agent.testing.FakeGenbaServer;
import dev.genba.agent.testing.TestConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteJDBCLoader;

class SqliteLibraryTest {
    @TempDir
    Path directory;

    private static List<String> names(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(file -> file.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void only_platforms_that_os_name_and_os_arch_name_alone_are_copied_by_the_agent() {
        assertThat(SqliteLibrary.folder("Linux", "amd64")).isEqualTo("Linux/x86_64");
        assertThat(SqliteLibrary.folder("Linux", "aarch64")).isEqualTo("Linux/aarch64");
        // 32-bit ARM is armv6, armv7 or arm depending on `uname -m`: sqlite-jdbc finds out itself.
        assertThat(SqliteLibrary.folder("Linux", "arm")).isNull();
        assertThat(SqliteLibrary.folder("Mac OS X", "aarch64")).isNull();
    }

    @Test
    void copies_the_library_once_per_version_and_removes_the_copies_of_other_versions() throws IOException {
        Path nativeDir = directory.resolve("native");
        Path older = Files.createDirectories(nativeDir.resolve("sqlite-jdbc-3.0.0.0-Linux-x86_64"));
        Files.writeString(older.resolve(SqliteLibrary.LIBRARY), "an older version");

        Path library = SqliteLibrary.copy(nativeDir, "Linux/x86_64", "9.9.9.9");

        assertThat(library).isEqualTo(nativeDir.resolve("sqlite-jdbc-9.9.9.9-Linux-x86_64").resolve(SqliteLibrary.LIBRARY));
        try (InputStream inJar = SQLiteJDBCLoader.class.getResourceAsStream("/org/sqlite/native/Linux/x86_64/libsqlitejdbc.so")) {
            assertThat(Files.readAllBytes(library)).isEqualTo(inJar.readAllBytes());
        }
        assertThat(names(nativeDir)).containsExactly("sqlite-jdbc-9.9.9.9-Linux-x86_64");
        assertThat(names(library.getParent())).containsExactly(SqliteLibrary.LIBRARY);

        FileTime copied = FileTime.fromMillis(1_000_000_000_000L);
        Files.setLastModifiedTime(library, copied);
        assertThat(SqliteLibrary.copy(nativeDir, "Linux/x86_64", "9.9.9.9")).isEqualTo(library);
        assertThat(Files.getLastModifiedTime(library)).isEqualTo(copied);
    }

    @Test
    void a_platform_without_a_library_in_the_jar_is_left_to_sqlite_jdbc() throws IOException {
        assertThat(SqliteLibrary.copy(directory.resolve("native"), "Linux/sparc", "9.9.9.9")).isNull();
        assertThat(directory.resolve("native")).doesNotExist();
    }

    @Test
    void the_running_agent_loads_sqlite_from_its_state_directory_and_writes_no_copy_to_tmp() throws Exception {
        assumeTrue(SqliteLibrary.folder(System.getProperty("os.name"), System.getProperty("os.arch")) != null,
                "sqlite-jdbc loads the library itself on this platform");
        Path tmp = Files.createDirectories(directory.resolve("tmp"));
        int port = AgentProcesses.freePort();
        try (FakeGenbaServer server = new FakeGenbaServer()) {
            Path config = TestConfig.write(directory, server.url(), port, "");
            Process agent = AgentProcesses.start(config, "-Djava.io.tmpdir=" + tmp);
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> AgentProcesses.post(port, "T-1") != null);

                Path nativeDir = TestConfig.load(config).stateDir().resolve("native");
                assertThat(names(nativeDir)).singleElement().asString().startsWith("sqlite-jdbc-");
                assertThat(names(tmp)).noneMatch(name -> name.startsWith("sqlite-"));
            } finally {
                agent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void a_copy_damaged_on_disk_is_made_again_without_an_error_or_a_stack_trace() throws Exception {
        String folder = SqliteLibrary.folder(System.getProperty("os.name"), System.getProperty("os.arch"));
        assumeTrue(folder != null, "sqlite-jdbc loads the library itself on this platform");
        Path config = TestConfig.write(directory, "http://127.0.0.1:9", "");
        Path nativeDir = TestConfig.load(config).stateDir().resolve("native");
        Path library = SqliteLibrary.copy(nativeDir, folder, SQLiteJDBCLoader.getVersion());
        Files.writeString(library, "not a library any more: a bad block of the SD card");

        Path output = directory.resolve("status.txt");
        Process status = AgentProcesses.command(output, "status", "--config", config.toString());
        assertThat(status.waitFor(60, TimeUnit.SECONDS)).isTrue();

        assertThat(Files.readString(output)).contains("DESTINATION")
                .doesNotContain("Failed to load native library", "UnsatisfiedLinkError", "\tat ", "WARN");
        try (InputStream inJar = SQLiteJDBCLoader.class.getResourceAsStream("/org/sqlite/native/" + folder + "/" + SqliteLibrary.LIBRARY)) {
            assertThat(Files.readAllBytes(library)).isEqualTo(inJar.readAllBytes());
        }
    }

    @Test
    void where_a_fresh_copy_did_not_load_it_is_not_written_again_at_every_start() throws Exception {
        String folder = SqliteLibrary.folder(System.getProperty("os.name"), System.getProperty("os.arch"));
        assumeTrue(folder != null, "sqlite-jdbc loads the library itself on this platform");
        Path config = TestConfig.write(directory, "http://127.0.0.1:9", "");
        Path nativeDir = TestConfig.load(config).stateDir().resolve("native");
        Path copyDir = Files.createDirectories(nativeDir.resolve("sqlite-jdbc-" + SQLiteJDBCLoader.getVersion() + "-"
                + folder.replace('/', '-')));
        // what a noexec state directory leaves: dlopen refuses every fresh copy
        Files.writeString(copyDir.resolve(SqliteLibrary.UNLOADABLE), "failed to map segment from shared object\n");

        Path output = directory.resolve("status.txt");
        Process status = AgentProcesses.command(output, "status", "--config", config.toString());
        assertThat(status.waitFor(60, TimeUnit.SECONDS)).isTrue();

        // sqlite-jdbc's own copy serves; commands print errors only (`run` logs the WARN saying why)
        assertThat(Files.readString(output)).contains("DESTINATION").doesNotContain("Failed to load native library");
        assertThat(names(copyDir)).containsExactly(SqliteLibrary.UNLOADABLE);
    }
}
