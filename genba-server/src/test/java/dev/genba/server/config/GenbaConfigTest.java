package dev.genba.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GenbaConfigTest {
    @TempDir
    Path dir;

    @Test
    void defaults_to_port_8501_embedded_database_and_tokyo_time() {
        GenbaConfig config = GenbaConfig.load(null, dir, null, Map.of());

        assertThat(config.server().port()).isEqualTo(8501);
        assertThat(config.db().embedded()).isTrue();
        assertThat(config.server().timezone()).isEqualTo(ZoneId.of("Asia/Tokyo"));
        assertThat(config.embeddedPgDir()).isEqualTo(dir.toAbsolutePath().resolve("pg"));
    }

    @Test
    void reads_yaml_then_environment_then_command_line_in_that_order_of_strength() throws Exception {
        Path file = dir.resolve("genba.yaml");
        Files.writeString(file, """
                server:
                  port: 9000
                  timezone: Europe/Berlin
                db:
                  url: postgresql://genba:s3cret@db.local:5433/genba
                """);

        GenbaConfig fromFile = GenbaConfig.load(file, dir, null, Map.of());
        GenbaConfig fromEnv = GenbaConfig.load(file, dir, null, Map.of("GENBA_SERVER_PORT", "9100"));
        GenbaConfig fromFlag = GenbaConfig.load(file, dir, 9200, Map.of("GENBA_SERVER_PORT", "9100"));

        assertThat(fromFile.server().port()).isEqualTo(9000);
        assertThat(fromEnv.server().port()).isEqualTo(9100);
        assertThat(fromFlag.server().port()).isEqualTo(9200);
        assertThat(fromFile.server().timezone()).isEqualTo(ZoneId.of("Europe/Berlin"));
        assertThat(fromFile.db().target().jdbcUrl()).isEqualTo("jdbc:postgresql://db.local:5433/genba");
        assertThat(fromFile.db().target().user()).isEqualTo("genba");
        assertThat(fromFile.db().target().password()).isEqualTo("s3cret");
        assertThat(fromFile.db().target().redacted()).doesNotContain("s3cret");
    }

    @Test
    void reads_json_and_reports_every_problem_at_once_in_plain_sentences() throws Exception {
        Path file = dir.resolve("genba.json");
        Files.writeString(file, """
                {"server": {"port": 70000, "timezone": "Mars/Olympus"},
                 "db": {"url": "mysql://nope", "pool_size": "many"}}
                """);

        assertThatThrownBy(() -> GenbaConfig.load(file, dir, null, Map.of()))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).containsExactlyInAnyOrder(
                        "config " + file + ": server.port must be between 0 and 65535, got 70000",
                        "config " + file + ": server.timezone must be a time zone such as Asia/Tokyo, got \"Mars/Olympus\"",
                        "config " + file + ": db.url must start with postgresql:// or jdbc:postgresql:// (example: postgresql://genba:PASSWORD@localhost:5432/genba)",
                        "config " + file + ": db.pool_size must be a whole number, got \"many\""));
    }

    @Test
    void an_unreadable_file_is_one_plain_sentence() throws Exception {
        Path broken = dir.resolve("broken.json");
        Files.writeString(broken, "{\"server\": ");

        assertThatThrownBy(() -> GenbaConfig.load(broken, dir, null, Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("config file " + broken + " cannot be read");
        assertThatThrownBy(() -> GenbaConfig.load(dir.resolve("missing.yaml"), dir, null, Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("does not exist");
    }

    @Test
    void mirror_databases_come_from_the_libpq_form_in_the_environment_and_bad_mirror_settings_are_named() {
        GenbaConfig config = GenbaConfig.load(null, dir, null, Map.of(
                "GENBA_MIRROR_PRIMARY_DB_URI", "postgresql://window:p%40ss@window-a.local:5432/tools",
                "GENBA_MIRROR_KEY_COLUMNS", "tag_id, order_id",
                "GENBA_MIRROR_COMPARE_AT", "03:30"));

        assertThat(config.mirror().primaryDb().jdbcUrl()).isEqualTo("jdbc:postgresql://window-a.local:5432/tools");
        assertThat(config.mirror().primaryDb().user()).isEqualTo("window");
        assertThat(config.mirror().primaryDb().password()).isEqualTo("p@ss");
        assertThat(config.mirror().mirrorDb()).isNull();
        assertThat(config.mirror().keyColumns()).containsExactly("tag_id", "order_id");
        assertThat(config.mirror().compareAt()).isEqualTo(java.time.LocalTime.of(3, 30));
        assertThat(config.mirror().targetDays()).isEqualTo(14);

        assertThatThrownBy(() -> GenbaConfig.load(null, dir, null, Map.of(
                "GENBA_MIRROR_MIRROR_DB_URI", "mysql://x", "GENBA_MIRROR_TABLE", "parts; drop table x",
                "GENBA_MIRROR_COMPARE_AT", "2am")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).hasSize(3)
                        .anySatisfy(problem -> assertThat(problem).startsWith("mirror.mirror_db_uri"))
                        .anySatisfy(problem -> assertThat(problem).contains("not a valid table or column name"))
                        .anySatisfy(problem -> assertThat(problem).startsWith("mirror.compare_at")));
    }

    @Test
    void warns_about_settings_it_does_not_know() throws Exception {
        Path file = dir.resolve("genba.yaml");
        Files.writeString(file, "server:\n  prot: 8502\n");

        GenbaConfig config = GenbaConfig.load(file, dir, null, Map.of("GENBA_SERVER_HOST", "127.0.0.1"));

        assertThat(config.warnings()).containsExactly("ignored unknown setting server.prot");
        assertThat(config.server().host()).isEqualTo("127.0.0.1");
    }

    @Test
    void the_embedded_database_gets_a_quarter_of_the_memory_between_128_mb_and_1_gb_unless_set() {
        assertThat(GenbaConfig.defaultSharedBuffersMb(256)).isEqualTo(128);
        assertThat(GenbaConfig.defaultSharedBuffersMb(2048)).isEqualTo(512);
        assertThat(GenbaConfig.defaultSharedBuffersMb(4096)).isEqualTo(1024);
        assertThat(GenbaConfig.defaultSharedBuffersMb(8192)).isEqualTo(1024);
        long machineMb = GenbaConfig.machineMemoryBytes() >> 20;
        assertThat(machineMb).as("the JVM reports this machine's memory").isPositive();
        assertThat(GenbaConfig.load(null, dir, null, Map.of()).db().sharedBuffersMb())
                .isEqualTo(GenbaConfig.defaultSharedBuffersMb(machineMb));

        GenbaConfig set = GenbaConfig.load(null, dir, null, Map.of("GENBA_DB_SHARED_BUFFERS_MB", "160"));

        assertThat(set.db().sharedBuffersMb()).isEqualTo(160);
        assertThat(set.warnings()).isEmpty();
    }

    @Test
    void a_shared_buffers_setting_the_machine_cannot_hold_is_refused_and_one_for_an_external_database_is_flagged() {
        long machineMb = GenbaConfig.machineMemoryBytes() >> 20;
        String tooMuch = Long.toString(Math.min(65_536, machineMb / 2 + 1));

        assertThatThrownBy(() -> GenbaConfig.load(null, dir, null, Map.of("GENBA_DB_SHARED_BUFFERS_MB", tooMuch)))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems()).singleElement()
                        .asString().startsWith("configuration: db.shared_buffers_mb must be"));
        assertThatThrownBy(() -> GenbaConfig.load(null, dir, null, Map.of("GENBA_DB_SHARED_BUFFERS_MB", "1GB")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .containsExactly("configuration: db.shared_buffers_mb must be a whole number, got \"1GB\""));
        assertThatThrownBy(() -> GenbaConfig.load(null, dir, null, Map.of("GENBA_DB_SHARED_BUFFERS_MB", "8")))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .containsExactly("configuration: db.shared_buffers_mb must be between 16 and 65536, got 8"));

        GenbaConfig external = GenbaConfig.load(null, dir, null, Map.of(
                "GENBA_DB_URL", "postgresql://db.local:5432/genba", "GENBA_DB_SHARED_BUFFERS_MB", "256"));

        assertThat(external.warnings()).singleElement().asString()
                .startsWith("db.shared_buffers_mb is for the embedded database only");
    }

    @Test
    void the_example_config_shipped_in_deploy_loads_without_problems_or_unknown_keys() {
        Path example = Path.of("..", "deploy", "config", "genba.yaml");
        assertThat(example).exists();

        GenbaConfig config = GenbaConfig.load(example, dir, null, Map.of());

        assertThat(config.warnings()).isEmpty();
        assertThat(config.server().port()).isEqualTo(8501);
        assertThat(config.db().embedded()).isTrue();
    }
}
