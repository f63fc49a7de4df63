package dev.genba.server.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.genba.server.config.GenbaConfig;
import dev.genba.server.db.Database;
import dev.genba.server.db.EmbeddedDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import dev.genba.server.testing.Browser;
import org.jdbi.v3.core.Jdbi;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.junit.jupiter.api.Test;

/** {@code genba demo} shows a living fleet: real agents report, scan and log; one client is red. */
class DemoTest {
    @Test
    void the_demo_fleet_reports_scans_logs_errors_and_has_one_stale_client() throws Exception {
        Path work = Files.createTempDirectory("genba-demo-test");
        GenbaConfig config = GenbaConfig.load(null, work.resolve("server"), 0, Map.of("GENBA_SERVER_HOST", "127.0.0.1"));
        try (Demo demo = Demo.start(config, work, Clock.systemUTC());
             Database database = Database.connect(EmbeddedDatabase.attachToRunning(config.embeddedPgDir()).orElseThrow(), 2,
                     "demo-test", null)) {
            Jdbi jdbi = database.jdbi();
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(count(jdbi, "select count(*) from client_status where received_at > now() - interval '1 minute'"))
                        .as("every simulated client reported through its agent").isEqualTo(Demo.PROFILES.size());
                assertThat(count(jdbi, "select count(*) from scans")).as("handhelds scanned through their agents").isPositive();
                assertThat(count(jdbi, "select count(*) from client_logs where client_id = 'HANDHELD-03' and level = 'error'"))
                        .isPositive();
            });
            assertThat(count(jdbi, "select count(*) from client_status where client_id = 'DOCK-SIGNAGE' "
                    + "and received_at < now() - interval '12 hours'")).isEqualTo(1);
            double temperature = jdbi.withHandle(handle -> handle.createQuery(
                    "select (report->>'temperature')::float8 from client_status where client_id = 'HANDHELD-02'")
                    .mapTo(Double.class).one());
            assertThat(temperature).as("the hot handheld reads its own simulated sensor").isGreaterThan(70);
            assertThat(count(jdbi, "select count(distinct scan_id) from scans")).isEqualTo(count(jdbi, "select count(*) from scans"));
            assertThat(count(jdbi, "select count(*) from users where name = 'demo' and role = 'admin'")).isEqualTo(1);
            assertThat(demo.password()).hasSize(12);
            lookAtItInABrowser(demo);
        }
    }

    /** As a newcomer would: log in with the printed login and look around (screenshots for the RUNBOOK). */
    private static void lookAtItInABrowser(Demo demo) {
        String base = "http://127.0.0.1:" + demo.port();
        try (Browser browser = Browser.start("ja")) {
            ChromeDriver driver = browser.driver();
            driver.get(base + "/admin");
            driver.findElement(By.id("username")).sendKeys(Demo.USER);
            driver.findElement(By.id("password")).sendKeys(demo.password());
            driver.findElement(By.id("login")).click();
            new WebDriverWait(driver, Duration.ofSeconds(10)).until(ExpectedConditions.presenceOfElementLocated(By.id("tile-red")));
            assertThat(driver.findElement(By.id("tile-red")).getText()).startsWith("1");
            browser.screenshot("demo-dashboard");
            driver.get(base + "/admin/clients");
            assertThat(driver.findElement(By.cssSelector("tr[data-client='DOCK-SIGNAGE']")).getDomAttribute("class"))
                    .isEqualTo("row-red");
            assertThat(driver.findElements(By.cssSelector("tr.row-online"))).hasSize(Demo.PROFILES.size());
            browser.screenshot("demo-clients");
            driver.get(base + "/admin/clients/HANDHELD-03");
            assertThat(driver.findElements(By.cssSelector("#chart-cpu polyline.series"))).isNotEmpty();
            assertThat(driver.findElement(By.id("log-lines")).getText()).contains("error");
            browser.screenshot("demo-client");
            driver.get(base + "/admin/logs?q=" + java.net.URLEncoder.encode("スキャナ", java.nio.charset.StandardCharsets.UTF_8));
            browser.screenshot("demo-logs");
            driver.get(base + "/admin/mirror");
            browser.screenshot("demo-mirror");
        }
    }

    private static long count(Jdbi jdbi, String sql) {
        return jdbi.withHandle(handle -> handle.createQuery(sql).mapTo(Long.class).one());
    }
}
