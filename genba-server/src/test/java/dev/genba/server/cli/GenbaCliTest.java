package dev.genba.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.genba.protocol.Json;
import dev.genba.server.db.DbTarget;
import dev.genba.server.testing.Cli;
import dev.genba.server.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operator commands as an operator types them, against a real database. */
class GenbaCliTest {
    @TempDir
    Path dir;
    private Path config;

    private DbTarget target;

    @BeforeEach
    void database() throws Exception {
        target = TestPostgres.newDatabase();
        config = dir.resolve("genba.json");
        Files.writeString(config, "{\"db\": {\"url\": \"" + target.jdbcUrl() + "\", \"user\": \"postgres\"}}");
    }

    private Cli.Run genba(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        if (args.length > 0 && !args[0].startsWith("-")) {
            all.add("--config");
            all.add(config.toString());
            all.add("--data-dir");
            all.add(dir.toString());
        }
        return Cli.genba(all.toArray(String[]::new));
    }

    @Test
    void clients_add_prints_the_key_once_and_a_second_add_is_refused() {
        Cli.Run added = genba("clients", "add", "HANDHELD-01", "--json");
        Cli.Run again = genba("clients", "add", "HANDHELD-01");
        Cli.Run listed = genba("clients", "list");

        assertThat(added.exitCode()).isZero();
        Map<?, ?> json = (Map<?, ?>) Json.parse(added.out().trim());
        assertThat(json.get("client_id")).isEqualTo("HANDHELD-01");
        assertThat((String) json.get("client_key")).startsWith("gk_").hasSize(46);
        assertThat(again.exitCode()).isEqualTo(1);
        assertThat(again.err()).contains("already exists").contains("genba clients revoke HANDHELD-01");
        assertThat(listed.out()).contains("HANDHELD-01").contains("active").doesNotContain((String) json.get("client_key"));
    }

    @Test
    void clients_add_key_stdin_registers_a_key_made_on_another_server_and_refuses_bad_or_taken_keys() throws Exception {
        Cli.Run made = genba("clients", "add", "HANDHELD-01", "--json");
        String key = (String) ((Map<?, ?>) Json.parse(made.out().trim())).get("client_key");
        DbTarget standIn = TestPostgres.newDatabase();
        Path standInDir = Files.createDirectory(dir.resolve("stand-in"));
        Path standInConfig = standInDir.resolve("genba.json");
        Files.writeString(standInConfig, "{\"db\": {\"url\": \"" + standIn.jdbcUrl() + "\", \"user\": \"postgres\"}}");
        String[] where = {"--config", standInConfig.toString(), "--data-dir", standInDir.toString()};

        Cli.Run notAKey = Cli.genbaWithInput("HANDHELD-01\n", concat(new String[] {"clients", "add", "HANDHELD-01", "--key-stdin"}, where));
        Cli.Run empty = Cli.genbaWithInput("", concat(new String[] {"clients", "add", "HANDHELD-01", "--key-stdin"}, where));
        Cli.Run copied = Cli.genbaWithInput(key + "\n", concat(new String[] {"clients", "add", "HANDHELD-01", "--key-stdin"}, where));
        Cli.Run sameKeyOtherName = Cli.genbaWithInput(key, concat(new String[] {"clients", "add", "HANDHELD-02", "--key-stdin", "--json"}, where));

        assertThat(notAKey.exitCode()).isEqualTo(2);
        assertThat(notAKey.err()).contains("not a device key").contains("nothing changed").doesNotContain("HANDHELD-01\n\n");
        assertThat(empty.exitCode()).isEqualTo(2);
        assertThat(copied.exitCode()).isZero();
        assertThat(copied.out()).isEqualTo("Client HANDHELD-01 added with the key from standard input (" + key.substring(0, 7) + "…).\n");
        assertThat(sameKeyOtherName.exitCode()).isEqualTo(1);
        assertThat(sameKeyOtherName.err()).contains("already belongs to client HANDHELD-01");
        assertThat(activeOwnerOf(standIn, key)).as("the device's existing key now opens the stand-in too").isEqualTo("HANDHELD-01");
        try (Connection db = DriverManager.getConnection(standIn.jdbcUrl(), standIn.user(), standIn.password());
             var count = db.createStatement().executeQuery("SELECT count(*) FROM devices")) {
            count.next();
            assertThat(count.getLong(1)).as("the refused adds changed nothing").isEqualTo(1);
        }

        // a revoked key stays revoked: registering it again does not bring it back
        assertThat(Cli.genba(concat(new String[] {"clients", "revoke", "HANDHELD-01"}, where)).exitCode()).isZero();
        Cli.Run revived = Cli.genbaWithInput(key, concat(new String[] {"clients", "add", "HANDHELD-01", "--key-stdin"}, where));
        assertThat(revived.exitCode()).isEqualTo(1);
        assertThat(revived.err()).contains("was revoked here").contains("genba clients add HANDHELD-01");
        assertThat(activeOwnerOf(standIn, key)).isNull();
        // nor once the device has been given a new key, which replaces the revoked one in its row
        assertThat(Cli.genba(concat(new String[] {"clients", "add", "HANDHELD-01"}, where)).exitCode()).isZero();
        Cli.Run underAnotherName = Cli.genbaWithInput(key, concat(new String[] {"clients", "add", "HANDHELD-07", "--key-stdin"}, where));
        assertThat(underAnotherName.exitCode()).isEqualTo(1);
        assertThat(underAnotherName.err()).contains("was revoked here (client HANDHELD-01)");
        assertThat(activeOwnerOf(standIn, key)).isNull();
        assertThat(Files.readString(standInDir.resolve("logs/audit.jsonl"))).contains("\"key\":\"given\"").doesNotContain(key);
    }

    /** The active device that {@code key} opens, as the server's key check finds it (by SHA-256); null when none. */
    private static String activeOwnerOf(DbTarget database, String key) throws Exception {
        try (Connection db = DriverManager.getConnection(database.jdbcUrl(), database.user(), database.password());
             PreparedStatement owner = db.prepareStatement(
                     "SELECT name FROM devices WHERE key_hash = sha256(convert_to(?, 'UTF8')) AND revoked_at IS NULL")) {
            owner.setString(1, key);
            try (var rows = owner.executeQuery()) {
                return rows.next() ? rows.getString(1) : null;
            }
        }
    }

    private static String[] concat(String[] first, String[] second) {
        String[] all = java.util.Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, all, first.length, second.length);
        return all;
    }

    @Test
    void scans_count_gives_each_clients_stored_scans_and_the_total() throws Exception {
        assertThat(genba("migrate").exitCode()).isZero();
        Cli.Run empty = genba("scans", "count");
        try (Connection db = DriverManager.getConnection(target.jdbcUrl(), target.user(), target.password());
             PreparedStatement insert = db.prepareStatement("""
                     INSERT INTO scans (scan_id, device_id, tag_id, order_id, location, scanned_at, received_at, payload)
                     VALUES (gen_random_uuid(), ?, 'TAG-1', '', 'SHELF-01', now(), ?, '{}')""")) {
            for (int i = 0; i < 5; i++) {
                insert.setString(1, i < 3 ? "HANDHELD-01" : "HANDHELD-02");
                insert.setTimestamp(2, Timestamp.from(Instant.parse("2026-11-24T01:00:00Z").plusSeconds(60L * i)));
                insert.executeUpdate();
            }
        }

        Cli.Run all = genba("scans", "count");
        Cli.Run one = genba("scans", "count", "--client", "HANDHELD-02", "--json");
        genba("clients", "add", "HANDHELD-09");
        Cli.Run none = genba("scans", "count", "--client", "HANDHELD-09");
        Cli.Run misspelt = genba("scans", "count", "--client", "HANDHELD-9");

        assertThat(empty.exitCode()).isZero();
        assertThat(empty.out()).isEqualTo("No scans yet.\n");
        assertThat(all.exitCode()).isZero();
        assertThat(all.out().lines()).hasSize(4);
        assertThat(all.out().lines().skip(1)).satisfiesExactly(
                line -> assertThat(line).matches("HANDHELD-01 +3  2026-11-24 10:00 JST +2026-11-24 10:02 JST"),
                line -> assertThat(line).matches("HANDHELD-02 +2  2026-11-24 10:03 JST +2026-11-24 10:04 JST"),
                line -> assertThat(line).matches("total +5 *"));
        Map<?, ?> json = (Map<?, ?>) Json.parse(one.out());
        assertThat(json.get("total")).isEqualTo(2L);
        Map<?, ?> client = (Map<?, ?>) ((List<?>) json.get("clients")).get(0);
        assertThat(((List<?>) json.get("clients"))).hasSize(1);
        assertThat(client.get("client_id")).isEqualTo("HANDHELD-02");
        assertThat(client.get("scans")).isEqualTo(2L);
        assertThat(client.get("last_received_at")).isEqualTo("2026-11-24T01:04:00Z");
        assertThat(none.out().lines().skip(1)).singleElement().satisfies(line -> assertThat(line).matches("HANDHELD-09 +0  - +-"));
        assertThat(none.exitCode()).isZero();
        assertThat(misspelt.exitCode()).isEqualTo(2);
        assertThat(misspelt.out()).isEmpty();
        assertThat(misspelt.err()).isEqualTo(
                "genba: no client named HANDHELD-9 has been registered or has sent scans here (see genba clients list)\n");
    }

    @Test
    void clients_revoke_reports_whether_there_was_anything_to_revoke() {
        genba("clients", "add", "HANDHELD-02");

        Cli.Run revoked = genba("clients", "revoke", "HANDHELD-02");
        Cli.Run twice = genba("clients", "revoke", "HANDHELD-02");

        assertThat(revoked.exitCode()).isZero();
        assertThat(revoked.out()).contains("revoked");
        assertThat(twice.exitCode()).isEqualTo(1);
        assertThat(genba("clients", "list").out()).contains("revoked");
    }

    @Test
    void an_invalid_client_name_is_an_error_with_the_rule() {
        Cli.Run bad = genba("clients", "add", "bad name/..");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("letters, digits");
    }

    @Test
    void agent_config_set_checks_keys_and_values_and_show_prints_what_agents_get() {
        genba("clients", "add", "HANDHELD-03");

        Cli.Run unknownKey = genba("agent-config", "set", "mirror_mod", "true");
        Cli.Run badValue = genba("agent-config", "set", "timeout_ms", "soon");
        Cli.Run outOfRange = genba("agent-config", "set", "retry.max_attempts", "0");
        Cli.Run badUrl = genba("agent-config", "set", "mirror_endpoint", "ftp://x");
        Cli.Run unknownClient = genba("agent-config", "set", "timeout_ms", "5000", "--client", "NOPE");
        Cli.Run fleet = genba("agent-config", "set", "mirror_mode", "true");
        Cli.Run own = genba("agent-config", "set", "timeout_ms", "5000", "--client", "HANDHELD-03");
        Cli.Run shown = genba("agent-config", "show", "--client", "HANDHELD-03", "--json");
        Cli.Run table = genba("agent-config", "show", "--client", "HANDHELD-03");

        assertThat(unknownKey.exitCode()).isEqualTo(2);
        assertThat(unknownKey.err()).contains("unknown key mirror_mod").contains("mirror_mode");
        assertThat(badValue.exitCode()).isEqualTo(2);
        assertThat(badValue.err()).contains("timeout_ms must be a whole number");
        assertThat(outOfRange.err()).contains("retry.max_attempts must be between 1 and 100, got 0");
        assertThat(badUrl.err()).contains("mirror_endpoint must be an http:// or https:// URL");
        assertThat(unknownClient.exitCode()).isEqualTo(2);
        assertThat(fleet.exitCode()).isZero();
        assertThat(fleet.out()).contains("Note: mirror_mode is on but no mirror_endpoint is set for the fleet");
        assertThat(own.out()).contains("Note: mirror_mode is on but no mirror_endpoint is set for HANDHELD-03");
        assertThat(own.out()).contains("timeout_ms = 5000 for HANDHELD-03");
        Map<?, ?> effective = (Map<?, ?>) Json.parse(shown.out().trim());
        assertThat(effective.get("mirror_mode")).isEqualTo(true);
        assertThat(effective.get("timeout_ms")).isEqualTo(5000L);
        assertThat(table.out()).contains("[fleet]").contains("[HANDHELD-03]").contains("[default]");
    }

    @Test
    void admin_actions_are_written_to_the_audit_log() throws Exception {
        genba("clients", "add", "HANDHELD-04");
        genba("admin", "token", "create", "--name", "ops");
        genba("agent-config", "set", "mirror_mode", "false");

        List<String> audit = Files.readAllLines(dir.resolve("logs/audit.jsonl"));
        assertThat(audit).anySatisfy(line -> assertThat(line).contains("\"action\":\"clients.add\"", "HANDHELD-04"));
        assertThat(audit).anySatisfy(line -> assertThat(line).contains("\"action\":\"admin.token.create\"", "ops"));
        assertThat(audit).anySatisfy(line -> assertThat(line).contains("\"action\":\"agent_config.set\""));
        assertThat(String.join("\n", audit)).doesNotContain("gt_").doesNotContain("gk_");
    }

    @Test
    void migrate_says_the_schema_is_current() {
        Cli.Run first = genba("migrate");
        assertThat(first.exitCode()).isZero();
        assertThat(first.out()).contains("up to date");
    }

    @Test
    void a_bad_configuration_lists_every_problem_and_exits_2() throws Exception {
        Files.writeString(config, "{\"server\": {\"port\": -1, \"timezone\": \"Nowhere/Town\"}}");

        Cli.Run run = genba("clients", "list");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("2 problem(s)").contains("server.port").contains("server.timezone");
    }

    @Test
    void help_works_at_every_level_and_no_command_is_a_usage_error() {
        assertThat(genba("--help").exitCode()).isZero();
        assertThat(genba("--help").out()).contains("server", "clients", "agent-config", "migrate", "admin");
        assertThat(genba("clients", "add", "--help").exitCode()).isZero();
        assertThat(genba().exitCode()).isEqualTo(2);
        assertThat(genba("no-such-command").exitCode()).isEqualTo(2);
    }

    @Test
    void a_mistake_on_the_command_line_is_one_genba_line_with_where_to_look_not_the_whole_usage() {
        // genba(...) adds --config and --data-dir after the command, as the operator's shell function does
        Cli.Run missingName = genba("clients", "add");
        Cli.Run misspelt = genba("clients", "ad", "HANDHELD-09");
        Cli.Run noValue = genba("scans", "count", "--client");
        Cli.Run noCommand = genba("clients");
        Cli.Run requiredOption = genba("users", "add", "bob");
        Cli.Run pastedKey = genba("clients", "add", "HANDHELD-09", "--key-stdin", "gk_Mp5Lq0-Zr8sK2v9wX3yT7uB1nD4eF6gH0iJ2kL5mN8o");

        for (Cli.Run run : List.of(missingName, misspelt, noValue, noCommand, requiredOption, pastedKey)) {
            assertThat(run.exitCode()).isEqualTo(2);
            assertThat(run.err()).startsWith("genba: ").doesNotContain("Usage:").doesNotContain("--config")
                    .doesNotContain("--data-dir");
            assertThat(run.out()).isEmpty();
        }
        assertThat(missingName.err()).isEqualTo("genba: Missing required parameter: 'NAME'\n  see: genba clients add --help\n");
        assertThat(misspelt.err()).isEqualTo("genba: not a command or argument here: 'ad', 'HANDHELD-09'\n"
                + "  did you mean: add?\n  see: genba clients --help\n");
        assertThat(noValue.err()).isEqualTo("genba: option '--client' needs a value (NAME)\n  see: genba scans count --help\n");
        assertThat(noCommand.err()).startsWith("genba: a command is needed after 'genba clients': add, list, revoke\n");
        assertThat(requiredOption.err()).startsWith("genba: Missing required option: '--role");
        assertThat(pastedKey.err()).contains("gk_…(hidden)").doesNotContain("Mp5Lq0");
    }
}
