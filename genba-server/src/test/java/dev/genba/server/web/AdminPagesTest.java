package dev.genba.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.genba.server.mirror.MirrorStore;
import dev.genba.server.testing.TestServer;
import dev.genba.server.testing.WebClient;
import dev.genba.server.users.Passwords;
import dev.genba.server.users.UserStore;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The admin pages over HTTP, as a browser sends them: sessions, CSRF, roles, escaping, language, content. */
class AdminPagesTest {
    private static final String HOSTILE = "<script>document.title='pwned'</script>";
    private static final Instant SEEN = Instant.parse("2026-01-15T03:04:05Z");
    private static final List<String> PAGES = List.of("/admin", "/admin/clients", "/admin/clients/PI-ONLINE",
            "/admin/logs", "/admin/logs?q=x", "/admin/mirror", "/admin/mirror/confirm?action=enable");

    private static TestServer server;
    private static String deviceKey;
    private static String adminToken;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        adminToken = server.adminToken();
        for (String name : List.of("PI-ONLINE", "PI-LATE", "PI-GONE", "PI-OLD")) {
            server.addDevice(name);
        }
        deviceKey = server.addDevice("PI-NEW");
        UserStore users = new UserStore(server.jdbi());
        users.add("alice", UserStore.Role.ADMIN, Passwords.hash("alice-password".toCharArray()));
        users.add("victor", UserStore.Role.VIEWER, Passwords.hash("victor-password".toCharArray()));
        users.add("mallory-target", UserStore.Role.VIEWER, Passwords.hash("target-password".toCharArray()));
        server.jdbi().useHandle(handle -> {
            handle.createUpdate("""
                            insert into client_status (client_id, sampled_at, received_at, report) values
                            ('PI-ONLINE', now(), now(), cast(:online as jsonb)),
                            ('PI-LATE', now() - interval '20 minutes', now() - interval '20 minutes',
                                '{"client_id":"PI-LATE","hostname":"line2-scanner","cpu_usage":80}'),
                            ('PI-GONE', now() - interval '13 hours', now() - interval '13 hours',
                                '{"client_id":"PI-GONE","hostname":"dock-signage","cpu_usage":5}'),
                            ('PI-OLD', :seen, :seen, '{"client_id":"PI-OLD","hostname":"old-kiosk"}')""")
                    .bind("online", "{\"client_id\":\"PI-ONLINE\",\"hostname\":\"" + HOSTILE
                            + "\",\"cpu_usage\":42.4,\"memory_usage\":51,\"disk_usage\":95,\"temperature\":72.5,"
                            + "\"agent_version\":\"0.1.0\",\"config_version\":7,"
                            + "\"outbox\":{\"primary\":{\"pending\":3,\"dead_letters\":1},\"mirror\":{\"pending\":4}},"
                            + "\"latency_ms\":{\"primary\":{\"avg\":12.5},\"mirror\":{\"avg\":30}}}")
                    .bind("seen", java.time.OffsetDateTime.ofInstant(SEEN, java.time.ZoneOffset.UTC))
                    .execute();
            handle.createUpdate("""
                            insert into client_logs (client_id, level, message, logged_at, request_id) values
                            ('PI-ONLINE', 'error', 'スキャナ接続エラー: タイムアウト', now() - interval '1 hour', 'req-42'),
                            ('PI-ONLINE', 'warn', :hostile, now() - interval '30 minutes', null),
                            ('PI-LATE', 'error', 'disk full on line 2', now() - interval '10 minutes', 'req-42'),
                            ('PI-LATE', 'info', 'unrelated line', now() - interval '5 minutes', 'req-7')""")
                    .bind("hostile", HOSTILE).execute();
            handle.execute("""
                    insert into client_status_history (client_id, sampled_at, cpu_usage, memory_usage, disk_usage, temperature, report)
                    select 'PI-ONLINE', now() - make_interval(mins => m), 10 + (m % 2) * 10, 50, 95, 60, '{}'
                    from generate_series(1, 2880) as m""");
        });
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static WebClient loggedIn(String user, String password) {
        WebClient client = new WebClient(server).header("Accept-Language", "en");
        HttpResponse<String> login = client.login(user, password);
        assertThat(login.statusCode()).as(login.body()).isEqualTo(303);
        return client;
    }

    @Test
    void anonymous_callers_device_keys_and_api_tokens_get_no_page() {
        for (Map<String, String> credentials : List.of(Map.<String, String>of(), Map.of("x-client-key", deviceKey),
                Map.of("Authorization", "Bearer " + adminToken))) {
            for (String path : PAGES) {
                HttpResponse<String> response = server.get(path, credentials);
                assertThat(response.statusCode()).as(path + " " + credentials.keySet()).isEqualTo(303);
                assertThat(response.headers().firstValue("Location")).get().asString()
                        .startsWith("/admin/login?next=" + URLEncoder.encode(path, StandardCharsets.UTF_8).replace("+", "%20"));
                assertThat(response.body()).doesNotContain("PI-ONLINE").doesNotContain("スキャナ");
            }
            assertThat(server.get("/admin/clients/live", credentials).statusCode()).isEqualTo(401);
            HttpResponse<String> post = server.post("/admin/mirror/disable",
                    merge(credentials, Map.of("Content-Type", "application/x-www-form-urlencoded")), "csrf=x".getBytes());
            assertThat(post.statusCode()).isEqualTo(403);
        }
    }

    @Test
    void login_gives_an_http_only_same_site_cookie_and_logout_ends_the_session() {
        WebClient client = new WebClient(server);
        HttpResponse<String> login = client.login("victor", "victor-password");

        assertThat(login.statusCode()).isEqualTo(303);
        String cookie = login.headers().allValues("Set-Cookie").stream().filter(c -> c.startsWith("genba_session=")).findFirst()
                .orElseThrow();
        assertThat(cookie).contains("HttpOnly").contains("SameSite=Lax").contains("Path=/admin");
        HttpResponse<String> dashboard = client.get("/admin");
        assertThat(dashboard.statusCode()).isEqualTo(200);
        assertThat(dashboard.body()).contains("victor");

        String token = cookie.substring("genba_session=".length(), cookie.indexOf(';'));
        HttpResponse<String> logout = client.post("/admin/logout", Map.of("csrf", WebClient.csrf(dashboard.body())));
        assertThat(logout.statusCode()).isEqualTo(303);
        assertThat(client.get("/admin").statusCode()).isEqualTo(303);
        assertThat(server.get("/admin", Map.of("Cookie", "genba_session=" + token)).statusCode())
                .as("the old cookie no longer opens a page").isEqualTo(303);
    }

    @Test
    void wrong_passwords_are_refused_and_repeated_failures_are_slowed_down() {
        WebClient attacker = new WebClient(server);
        for (int i = 0; i < LoginThrottle.FREE_FAILURES; i++) {
            HttpResponse<String> wrong = attacker.login("mallory-target", "guess-" + i);
            assertThat(wrong.statusCode()).isEqualTo(401);
            assertThat(wrong.body()).contains("login-error");
        }
        HttpResponse<String> locked = attacker.login("mallory-target", "target-password");

        assertThat(locked.statusCode()).as("even the right password waits while locked").isEqualTo(429);
        assertThat(locked.headers().firstValue("Retry-After")).isPresent();
        assertThat(locked.headers().allValues("Set-Cookie")).noneMatch(c -> c.startsWith("genba_session=") && !c.startsWith("genba_session=;"));
        assertThat(loggedIn("alice", "alice-password").get("/admin").statusCode()).as("other users are not locked out").isEqualTo(200);
        assertThat(lines(server.dataDir().resolve("logs/audit.jsonl"))).anyMatch(line -> line.contains("web:mallory-target")
                && line.contains("refused")).noneMatch(line -> line.contains("guess-"));
    }

    @Test
    void a_login_form_without_its_token_is_refused() {
        WebClient client = new WebClient(server);
        client.get("/admin/login");
        HttpResponse<String> forged = client.post("/admin/login", Map.of("username", "alice", "password", "alice-password",
                "csrf", "made-up"));

        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(client.get("/admin").statusCode()).isEqualTo(303);
    }

    @Test
    void a_form_without_the_session_s_csrf_token_changes_nothing() {
        MirrorStore store = new MirrorStore(server.jdbi());
        store.setEnabled(true, "http://window-a.local:8501/api/v1/scans", "test");
        WebClient alice = loggedIn("alice", "alice-password");
        WebClient victor = loggedIn("victor", "victor-password");
        String victorsToken = WebClient.csrf(victor.get("/admin").body());

        HttpResponse<String> without = alice.post("/admin/mirror/disable", Map.of());
        HttpResponse<String> wrong = alice.post("/admin/mirror/disable", Map.of("csrf", victorsToken));

        assertThat(without.statusCode()).isEqualTo(403);
        assertThat(wrong.statusCode()).isEqualTo(403);
        assertThat(without.body()).contains("Nothing was changed");
        assertThat(store.state().enabled()).isTrue();
        store.setEnabled(false, null, "test");
    }

    @Test
    void a_viewer_sees_the_mirror_page_but_cannot_act() {
        MirrorStore store = new MirrorStore(server.jdbi());
        store.setEnabled(true, "http://window-a.local:8501/api/v1/scans", "test");
        WebClient victor = loggedIn("victor", "victor-password");
        HttpResponse<String> mirror = victor.get("/admin/mirror");

        assertThat(mirror.statusCode()).isEqualTo(200);
        assertThat(mirror.body()).contains("viewer-note").doesNotContain("mirror-disable");
        assertThat(victor.get("/admin/mirror/confirm?action=disable").statusCode()).isEqualTo(403);
        HttpResponse<String> post = victor.post("/admin/mirror/disable", Map.of("csrf", WebClient.csrf(mirror.body())));
        assertThat(post.statusCode()).isEqualTo(403);
        assertThat(store.state().enabled()).isTrue();
        store.setEnabled(false, null, "test");
    }

    @Test
    void an_admin_disables_mirror_mode_after_a_confirmation_and_an_impossible_enable_explains_why() {
        MirrorStore store = new MirrorStore(server.jdbi());
        store.setEnabled(true, "http://window-a.local:8501/api/v1/scans", "test");
        WebClient alice = loggedIn("alice", "alice-password");

        HttpResponse<String> confirm = alice.get("/admin/mirror/confirm?action=disable");
        assertThat(confirm.statusCode()).isEqualTo(200);
        assertThat(confirm.body()).contains("action=\"/admin/mirror/disable\"").contains("mirrorctl disable");
        assertThat(store.state().enabled()).as("the confirmation page itself changes nothing").isTrue();
        HttpResponse<String> done = alice.post("/admin/mirror/disable", Map.of("csrf", WebClient.csrf(confirm.body())));

        assertThat(done.statusCode()).isEqualTo(303);
        assertThat(done.headers().firstValue("Location")).hasValue("/admin/mirror?done=disabled");
        assertThat(store.state().enabled()).isFalse();
        assertThat(lines(server.dataDir().resolve("logs/audit.jsonl")))
                .anyMatch(line -> line.contains("web:alice") && line.contains("mirror.disable"));

        HttpResponse<String> enable = alice.post("/admin/mirror/enable", Map.of("csrf", WebClient.csrf(confirm.body())));
        assertThat(enable.statusCode()).isEqualTo(409);
        assertThat(enable.body()).contains("mirror-error").contains("mirror.endpoint is not configured");
        assertThat(store.state().enabled()).isFalse();
    }

    @Test
    void hostile_hostnames_and_log_lines_are_shown_as_text() {
        WebClient alice = loggedIn("alice", "alice-password");
        assertThat(alice.get("/admin").body()).doesNotContain("<script>document");
        for (String path : List.of("/admin/clients", "/admin/clients/live", "/admin/clients/PI-ONLINE", "/admin/logs",
                "/admin/logs?q=" + URLEncoder.encode(HOSTILE, StandardCharsets.UTF_8))) {
            HttpResponse<String> page = alice.get(path);
            assertThat(page.statusCode()).as(path).isEqualTo(200);
            assertThat(page.body()).as(path).doesNotContain("<script>document").contains("&lt;script&gt;document.title=");
            assertThat(page.headers().firstValue("Content-Security-Policy")).get().asString().contains("script-src 'self'");
        }
    }

    @Test
    void the_clients_page_marks_late_and_silent_clients_and_sorts() {
        WebClient alice = loggedIn("alice", "alice-password");
        HttpResponse<String> response = alice.get("/admin/clients");
        String page = response.body();
        assertThat(response.headers().firstValue("Server-Timing")).get().asString().matches("app;dur=\\d+\\.\\d");

        assertThat(page).contains("class=\"row-red\" data-client=\"PI-GONE\"")
                .contains("class=\"row-amber\" data-client=\"PI-LATE\"")
                .contains("class=\"row-online\" data-client=\"PI-ONLINE\"")
                .contains("class=\"row-never\" data-client=\"PI-NEW\"")
                .contains("data-refresh=\"/admin/clients/live?sort=name\"");
        String local = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").format(SEEN.atZone(ZoneId.of("Asia/Tokyo")));
        assertThat(page).as("times in the factory's zone").contains(local).contains("2026-01-15 12:04:05");

        String byCpu = alice.get("/admin/clients?sort=-cpu").body();
        assertThat(byCpu.indexOf("data-client=\"PI-LATE\"")).isLessThan(byCpu.indexOf("data-client=\"PI-ONLINE\""));
        assertThat(byCpu.indexOf("data-client=\"PI-ONLINE\"")).isLessThan(byCpu.indexOf("data-client=\"PI-GONE\""));

        String red = alice.get("/admin/clients/live?state=red").body();
        assertThat(red).contains("PI-GONE").doesNotContain("data-client=\"PI-LATE\"");
        String search = alice.get("/admin/clients?q=SIGNAGE").body();
        assertThat(search).contains("data-client=\"PI-GONE\"").doesNotContain("data-client=\"PI-LATE\"");
        assertThat(alice.get("/admin/clients?sort=password").statusCode()).isEqualTo(400);
    }

    @Test
    void the_client_page_draws_history_and_lists_destinations_and_logs() {
        WebClient alice = loggedIn("alice", "alice-password");
        String day = alice.get("/admin/clients/PI-ONLINE").body();
        String week = alice.get("/admin/clients/PI-ONLINE?range=7d").body();

        for (String chart : List.of("chart-cpu", "chart-memory", "chart-disk", "chart-temperature")) {
            assertThat(day).contains("id=\"" + chart + "\"");
        }
        assertThat(day).contains("<polyline class=\"series\"").contains("id=\"destinations\"").contains("13 ms").contains("30 ms")
                .contains("スキャナ接続エラー");
        assertThat(week).contains("<polyline class=\"series\"").contains("class=\"on\" id=\"range-7d\"");
        assertThat(alice.get("/admin/clients/NOBODY").statusCode()).isEqualTo(404);
        assertThat(alice.get("/admin/clients/PI-ONLINE?range=1y").statusCode()).isEqualTo(400);
    }

    @Test
    void log_search_finds_japanese_words_and_a_request_id_links_to_all_its_lines() {
        WebClient alice = loggedIn("alice", "alice-password");
        String japanese = alice.get("/admin/logs?q=" + URLEncoder.encode("接続", StandardCharsets.UTF_8)).body();
        String request = alice.get("/admin/logs?request_id=req-42").body();
        String errors = alice.get("/admin/logs?level=error&client=PI-LATE").body();

        assertThat(japanese).contains("スキャナ接続エラー").doesNotContain("disk full on line 2")
                .contains("href=\"/admin/logs?request_id=req-42\"");
        assertThat(request).contains("スキャナ接続エラー").contains("disk full on line 2").doesNotContain("unrelated line");
        assertThat(errors).contains("disk full on line 2").doesNotContain("スキャナ接続エラー");
        assertThat(alice.get("/admin/logs?level=fatal").statusCode()).isEqualTo(400);
        assertThat(alice.get("/admin/logs?from=yesterday").statusCode()).isEqualTo(400);
    }

    @Test
    void pages_speak_the_browser_s_language_and_remember_a_switch() {
        WebClient japanese = loggedIn("alice", "alice-password").header("Accept-Language", "ja,en;q=0.5");
        assertThat(japanese.get("/admin/clients").body()).contains("クライアント一覧").contains("lang=\"ja\"");

        WebClient english = new WebClient(server).header("Accept-Language", "en-US,en;q=0.9,ja;q=0.1");
        english.login("alice", "alice-password");
        assertThat(english.get("/admin/clients").body()).contains("<h1>Clients</h1>");
        assertThat(english.get("/admin/clients?lang=ja").body()).contains("クライアント一覧");
        assertThat(english.get("/admin/logs").body()).as("the choice is remembered").contains("ログ検索");
    }

    @Test
    void after_login_the_user_returns_to_the_page_asked_for_but_never_to_another_site() {
        WebClient client = new WebClient(server);
        String form = client.get("/admin/login?next=%2Fadmin%2Flogs%3Fq%3Dx").body();
        HttpResponse<String> back = client.post("/admin/login", Map.of("username", "alice", "password", "alice-password",
                "csrf", WebClient.csrf(form), "next", "/admin/logs?q=x"));
        assertThat(back.headers().firstValue("Location")).hasValue("/admin/logs?q=x");

        WebClient other = new WebClient(server);
        String otherForm = other.get("/admin/login").body();
        HttpResponse<String> evil = other.post("/admin/login", Map.of("username", "alice", "password", "alice-password",
                "csrf", WebClient.csrf(otherForm), "next", "//evil.example/admin"));
        assertThat(evil.headers().firstValue("Location")).hasValue("/admin");
    }

    @Test
    void the_dashboard_counts_the_fleet() {
        String dashboard = loggedIn("alice", "alice-password").get("/admin").body();

        assertThat(dashboard).containsPattern("id=\"tile-online\"><span class=\"n\">1</span>")
                .containsPattern("id=\"tile-amber\"><span class=\"n\">1</span>")
                .containsPattern("id=\"tile-red\"><span class=\"n\">2</span>")
                .containsPattern("id=\"tile-errors\"><span class=\"n\">2</span>")
                .contains("0/14").contains("id=\"all-stale\"");
    }

    private static Map<String, String> merge(Map<String, String> a, Map<String, String> b) {
        Map<String, String> merged = new java.util.HashMap<>(a);
        merged.putAll(b);
        return merged;
    }

    private static List<String> lines(java.nio.file.Path file) {
        try {
            return Files.readAllLines(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
