package dev.genba.server.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.genba.server.mirror.MirrorStore;
import dev.genba.server.testing.Browser;
import dev.genba.server.testing.TestServer;
import dev.genba.server.users.Passwords;
import dev.genba.server.users.UserStore;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The admin pages in a real headless Chromium, in Japanese as the factory sees them: logging in,
 * the stale client in red, a live table, a Japanese log search, hostile text kept inert, a form
 * without its CSRF token refused, the mirror page. Each page's screenshot is kept in
 * {@code target/screenshots/}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BrowserTest {
    /** Would set a flag (and pop an alert) if the page ever ran it. */
    private static final String HOSTILE = "<script>window.__pwned=1;alert(1)</script><img src=x onerror=\"window.__pwned=2\">";

    private static TestServer server;
    private static Browser browser;
    private static ChromeDriver driver;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        for (String name : List.of("PI-LINE1-01", "PI-LINE1-02", "PI-DOCK-01", "PI-SPARE")) {
            server.addDevice(name);
        }
        new UserStore(server.jdbi()).add("admin", UserStore.Role.ADMIN, Passwords.hash("factory-admin-pw".toCharArray()));
        server.jdbi().useHandle(handle -> {
            handle.createUpdate("""
                            insert into client_status (client_id, sampled_at, received_at, report) values
                            ('PI-LINE1-01', now(), now(), '{"client_id":"PI-LINE1-01","hostname":"line1-scanner-01","ip_address":"10.0.1.11",
                                "cpu_usage":23,"memory_usage":41,"disk_usage":38,"temperature":48.5,"agent_version":"0.1.0",
                                "config_version":3,"outbox":{"primary":{"pending":0,"dead_letters":0}},"latency_ms":{"primary":{"avg":9}}}'),
                            ('PI-LINE1-02', now() - interval '8 minutes', now() - interval '8 minutes',
                                cast(:hostile_report as jsonb)),
                            ('PI-DOCK-01', now() - interval '13 hours', now() - interval '13 hours',
                                '{"client_id":"PI-DOCK-01","hostname":"dock-signage","cpu_usage":4,"temperature":39}')""")
                    .bind("hostile_report", "{\"client_id\":\"PI-LINE1-02\",\"hostname\":" + dev.genba.protocol.Json.write(HOSTILE)
                            + ",\"cpu_usage\":91,\"memory_usage\":77,\"disk_usage\":96,\"temperature\":74}")
                    .execute();
            handle.createUpdate("""
                            insert into client_logs (client_id, level, message, logged_at, request_id) values
                            ('PI-LINE1-01', 'error', 'スキャナ接続エラー: USB リセット', now() - interval '2 hours', 'req-9f1'),
                            ('PI-LINE1-01', 'warn', 'サーバー応答が遅い (1200 ms)', now() - interval '90 minutes', 'req-9f1'),
                            ('PI-LINE1-02', 'error', :hostile, now() - interval '1 hour', null),
                            ('PI-DOCK-01', 'info', 'display restarted', now() - interval '14 hours', null)""")
                    .bind("hostile", HOSTILE).execute();
            handle.execute("""
                    insert into client_status_history (client_id, sampled_at, cpu_usage, memory_usage, disk_usage, temperature, report)
                    select 'PI-LINE1-01', now() - make_interval(mins => m), 20 + 15 * sin(m / 60.0), 40 + (m % 7), 38, 47 + 3 * cos(m / 90.0), '{}'
                    from generate_series(1, 10080, 5) as m""");
        });
        browser = Browser.start("ja");
        driver = browser.driver();
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
        server.close();
    }

    /**
     * A wait that keeps polling while a click's navigation replaces the page: Chrome may answer a
     * read of the old page's element with "does not belong to the document" rather than a stale
     * reference. A real failure still ends the wait, with the last error as its cause.
     */
    private static WebDriverWait waiting(int seconds) {
        WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(seconds));
        wait.ignoring(WebDriverException.class);
        return wait;
    }

    private static void assertNothingRan() {
        assertThat(driver.executeScript("return window.__pwned === undefined")).isEqualTo(true);
        assertThatThrownBy(() -> driver.switchTo().alert()).isInstanceOf(NoAlertPresentException.class);
    }

    @Test
    @Order(1)
    void logging_in_leads_to_the_dashboard() {
        driver.get(server.url("/admin/clients"));
        assertThat(driver.getCurrentUrl()).contains("/admin/login");
        browser.screenshot("01-login");
        driver.findElement(By.id("username")).sendKeys("admin");
        driver.findElement(By.id("password")).sendKeys("wrong-password");
        driver.findElement(By.id("login")).click();
        waiting(10).until(ExpectedConditions.presenceOfElementLocated(By.id("login-error")));
        assertThat(driver.findElement(By.id("login-error")).getText()).contains("ユーザー名またはパスワードが違います");

        driver.findElement(By.id("username")).clear();
        driver.findElement(By.id("username")).sendKeys("admin");
        driver.findElement(By.id("password")).sendKeys("factory-admin-pw");
        driver.findElement(By.id("login")).click();
        waiting(10).until(ExpectedConditions.urlMatches("/admin/clients$"));

        assertThat(driver.getCurrentUrl()).as("back to the page first asked for").endsWith("/admin/clients");
        assertThat(driver.manage().getCookieNamed("genba_session").isHttpOnly()).isTrue();
        assertThat(driver.executeScript("return document.cookie")).asString().doesNotContain("genba_session");
        driver.get(server.url("/admin"));
        assertThat(driver.findElement(By.id("tile-red")).getText()).contains("1").contains("オフライン");
        assertThat(driver.findElement(By.id("tile-amber")).getText()).contains("1").contains("遅延");
        browser.screenshot("02-dashboard");
    }

    @Test
    @Order(2)
    void the_stale_client_is_red_and_the_table_refreshes_itself() {
        driver.get(server.url("/admin/clients"));
        WebElement dock = driver.findElement(By.cssSelector("tr[data-client='PI-DOCK-01']"));
        WebElement late = driver.findElement(By.cssSelector("tr[data-client='PI-LINE1-02']"));

        assertThat(dock.getDomAttribute("class")).isEqualTo("row-red");
        assertThat(dock.getCssValue("background-color")).isEqualTo("rgba(253, 236, 236, 1)");
        assertThat(dock.findElement(By.cssSelector(".badge")).getText()).isEqualTo("オフライン");
        assertThat(dock.findElement(By.cssSelector(".badge")).getCssValue("background-color")).isEqualTo("rgba(192, 38, 45, 1)");
        assertThat(late.getDomAttribute("class")).isEqualTo("row-amber");
        assertThat(late.getText()).contains(HOSTILE.substring(0, 20));
        assertNothingRan();
        browser.screenshot("03-clients");

        driver.executeScript("window.__sameDocument = 42");
        server.addDevice("PI-NEWCOMER");
        server.jdbi().useHandle(handle -> handle.execute("""
                insert into client_status (client_id, sampled_at, received_at, report)
                values ('PI-NEWCOMER', now(), now(), '{"client_id":"PI-NEWCOMER","hostname":"new-kiosk"}')"""));
        waiting(WebRoutes.REFRESH_SECONDS + 15).until(d -> !d.findElements(By.cssSelector("tr[data-client='PI-NEWCOMER']")).isEmpty());

        assertThat(driver.executeScript("return window.__sameDocument")).as("refreshed without a reload").isEqualTo(42L);
        assertThat(driver.findElement(By.cssSelector("tr[data-client='PI-DOCK-01']")).getDomAttribute("class")).isEqualTo("row-red");
        assertNothingRan();
    }

    @Test
    @Order(3)
    void the_client_page_shows_charts_and_recent_logs() {
        driver.get(server.url("/admin/clients/PI-LINE1-01"));

        assertThat(driver.findElements(By.cssSelector("#chart-cpu polyline.series"))).isNotEmpty();
        assertThat(driver.findElement(By.id("destinations")).getText()).contains("primary").contains("9 ms");
        assertThat(driver.findElement(By.id("log-lines")).getText()).contains("スキャナ接続エラー");
        browser.screenshot("04-client-24h");
        driver.findElement(By.id("range-7d")).click();
        waiting(10).until(ExpectedConditions.urlContains("range=7d"));
        assertThat(driver.findElements(By.cssSelector("#chart-temperature polyline.series"))).isNotEmpty();
        browser.screenshot("05-client-7d");

        driver.get(server.url("/admin/clients/PI-LINE1-02"));
        assertThat(driver.findElement(By.id("hostname")).getText()).isEqualTo(HOSTILE);
        assertNothingRan();
    }

    @Test
    @Order(4)
    void a_japanese_word_finds_its_log_lines_and_a_request_id_links_to_the_whole_request() {
        driver.get(server.url("/admin/logs"));
        driver.findElement(By.id("q")).sendKeys("接続");
        driver.findElement(By.id("search")).click();
        waiting(10).until(ExpectedConditions.urlContains("q="));

        String results = driver.findElement(By.id("log-lines")).getText();
        assertThat(results).contains("スキャナ接続エラー").doesNotContain("display restarted").doesNotContain("サーバー応答");
        browser.screenshot("06-logs-search");

        driver.findElement(By.cssSelector("a.request-id")).click();
        waiting(10).until(ExpectedConditions.urlContains("request_id=req-9f1"));
        assertThat(driver.findElement(By.id("log-lines")).getText()).contains("スキャナ接続エラー").contains("サーバー応答が遅い");
    }

    @Test
    @Order(5)
    void a_script_in_a_log_line_is_shown_as_text_and_never_runs() {
        driver.get(server.url("/admin/logs?level=error"));

        assertThat(driver.findElement(By.id("log-lines")).getText()).contains("<script>window.__pwned=1;alert(1)</script>");
        assertThat(driver.findElements(By.cssSelector("#log-lines script, #log-lines img"))).isEmpty();
        assertNothingRan();
        browser.screenshot("07-logs-hostile");
    }

    @Test
    @Order(6)
    void the_mirror_page_shows_progress_and_a_form_without_its_csrf_token_is_refused() {
        MirrorStore store = new MirrorStore(server.jdbi());
        store.setEnabled(true, "http://window-a.local:8501/api/v1/scans", "test");
        driver.get(server.url("/admin/mirror"));
        assertThat(driver.findElement(By.id("mirror-mode")).getText()).isEqualTo("有効");
        assertThat(driver.findElement(By.id("streak")).getText()).contains("0 / 14");
        browser.screenshot("08-mirror");

        driver.findElement(By.id("mirror-disable")).click();
        waiting(10).until(ExpectedConditions.urlContains("/admin/mirror/confirm?action=disable"));
        browser.screenshot("09-mirror-confirm");
        driver.executeScript("document.querySelector('section.confirm input[name=csrf]').remove()");
        driver.findElement(By.id("confirm")).click();
        waiting(10).until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("h1"), "403"));
        assertThat(driver.findElement(By.cssSelector(".alert")).getText()).contains("何も変更していません");
        assertThat(store.state().enabled()).as("nothing changed").isTrue();
        browser.screenshot("10-csrf-refused");

        driver.get(server.url("/admin/mirror/confirm?action=disable"));
        driver.findElement(By.id("confirm")).click();
        waiting(10).until(ExpectedConditions.presenceOfElementLocated(By.id("mirror-done")));
        assertThat(driver.findElement(By.id("mirror-done")).getText()).contains("無効にし");
        assertThat(driver.findElement(By.id("mirror-mode")).getText()).isEqualTo("無効");
        assertThat(store.state().enabled()).isFalse();
    }

    @Test
    @Order(7)
    void the_language_can_be_switched_and_logout_ends_the_session() throws Exception {
        driver.get(server.url("/admin/clients"));
        driver.findElement(By.cssSelector("a.lang")).click();
        waiting(10).until(ExpectedConditions.textToBe(By.tagName("h1"), "Clients"));
        browser.screenshot("11-clients-english");
        driver.get(server.url("/admin/logs?q=" + URLEncoder.encode("接続", StandardCharsets.UTF_8)));
        assertThat(driver.findElement(By.tagName("h1")).getText()).isEqualTo("Log search");
        driver.findElement(By.cssSelector("a.lang")).click();
        waiting(10).until(ExpectedConditions.textToBe(By.tagName("h1"), "ログ検索"));

        driver.findElement(By.id("logout")).click();
        waiting(10).until(ExpectedConditions.urlContains("/admin/login"));
        driver.get(server.url("/admin"));
        assertThat(driver.getCurrentUrl()).contains("/admin/login");
        assertThat(Files.size(java.nio.file.Path.of("target/screenshots/03-clients.png"))).isGreaterThan(10_000);
    }
}
