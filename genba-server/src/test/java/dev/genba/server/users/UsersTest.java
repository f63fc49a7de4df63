package dev.genba.server.users;

import static org.assertj.core.api.Assertions.assertThat;

import dev.genba.server.db.Database;
import dev.genba.server.db.DbTarget;
import dev.genba.server.testing.Cli;
import dev.genba.server.testing.TestPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UsersTest {
    @TempDir
    Path dir;
    private Path config;
    private Database database;

    @BeforeEach
    void database() throws Exception {
        DbTarget target = TestPostgres.newDatabase();
        config = dir.resolve("genba.json");
        Files.writeString(config, "{\"db\": {\"url\": \"" + target.jdbcUrl() + "\", \"user\": \"postgres\"}}");
        database = Database.connect(target, 2, "test", null);
    }

    @AfterEach
    void close() {
        database.close();
    }

    private Cli.Run users(String input, String... args) {
        String[] all = new String[args.length + 5];
        all[0] = "users";
        System.arraycopy(args, 0, all, 1, args.length);
        all[args.length + 1] = "--config";
        all[args.length + 2] = config.toString();
        all[args.length + 3] = "--data-dir";
        all[args.length + 4] = dir.toString();
        return Cli.genbaWithInput(input, all);
    }

    @Test
    void a_user_added_with_a_password_can_log_in_and_a_wrong_password_cannot() {
        Cli.Run added = users("correct horse\n", "add", "tanaka", "--role", "admin", "--stdin");
        UserStore store = new UserStore(database.jdbi());

        assertThat(added.exitCode()).as(added.err()).isZero();
        assertThat(store.authenticate("tanaka", "correct horse".toCharArray()))
                .hasValueSatisfying(user -> assertThat(user.role()).isEqualTo(UserStore.Role.ADMIN));
        assertThat(store.authenticate("tanaka", "wrong horse".toCharArray())).isEmpty();
        assertThat(store.authenticate("nobody", "correct horse".toCharArray())).isEmpty();
        assertThat(users("", "list").out()).contains("tanaka").contains("admin").contains("set");
        String stored = database.jdbi().withHandle(handle -> handle.createQuery("select password_hash from users")
                .mapTo(String.class).one());
        assertThat(stored).startsWith("pbkdf2-sha256$600000$").doesNotContain("correct horse");
    }

    @Test
    void set_password_replaces_the_old_one_and_a_user_without_password_cannot_log_in() {
        users("", "add", "suzuki", "--role", "viewer");
        UserStore store = new UserStore(database.jdbi());
        assertThat(store.authenticate("suzuki", "".toCharArray())).isEmpty();

        Cli.Run changed = users("new secret 1\n", "set-password", "suzuki", "--stdin");

        assertThat(changed.exitCode()).isZero();
        assertThat(store.authenticate("suzuki", "new secret 1".toCharArray()))
                .hasValueSatisfying(user -> assertThat(user.role()).isEqualTo(UserStore.Role.VIEWER));
    }

    @Test
    void refuses_short_passwords_bad_roles_duplicates_and_unknown_users() {
        Cli.Run shortPassword = users("short\n", "add", "sato", "--role", "admin", "--stdin");
        Cli.Run badRole = users("", "add", "sato", "--role", "owner");
        users("long enough\n", "add", "sato", "--role", "admin", "--stdin");
        Cli.Run duplicate = users("long enough\n", "add", "sato", "--role", "admin", "--stdin");
        Cli.Run unknown = users("long enough\n", "set-password", "ghost", "--stdin");

        assertThat(shortPassword.exitCode()).isEqualTo(2);
        assertThat(shortPassword.err()).contains("at least 8 characters");
        assertThat(badRole.exitCode()).isEqualTo(2);
        assertThat(duplicate.exitCode()).isEqualTo(1);
        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(new UserStore(database.jdbi()).list()).extracting(UserStore.User::name).containsExactly("sato");
    }

    @Test
    void a_tampered_or_foreign_hash_never_matches() {
        String hash = Passwords.hash("password123".toCharArray());
        assertThat(Passwords.matches("password123".toCharArray(), hash)).isTrue();
        assertThat(Passwords.matches("password123".toCharArray(), hash.substring(0, hash.length() - 2) + "AA")).isFalse();
        assertThat(Passwords.matches("password123".toCharArray(), "$2a$10$notours")).isFalse();
        assertThat(Passwords.matches("password123".toCharArray(), null)).isFalse();
    }
}
