package dev.genba.server.agentconfig;

import static org.assertj.core.api.Assertions.assertThat;

import dev.genba.protocol.AgentConfig;
import dev.genba.protocol.Json;
import dev.genba.server.testing.TestServer;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AgentConfigTest {
    private static TestServer server;
    private static String key;
    private static AgentConfigStore store;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        key = server.addDevice("HANDHELD-01");
        server.addDevice("HANDHELD-02");
        store = new AgentConfigStore(server.jdbi());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static HttpResponse<String> fetch(String deviceKey, String etag) {
        return server.get("/api/v1/agent/config", etag == null ? Map.of("x-client-key", deviceKey)
                : Map.of("x-client-key", deviceKey, "If-None-Match", etag));
    }

    @Test
    void hands_out_the_seed_shape_with_fleet_values_and_device_overrides_applied() {
        store.set(AgentConfigStore.FLEET, "mirror_mode", true);
        store.set(AgentConfigStore.FLEET, "mirror_endpoint", "http://raspi-server.local:8501/api/v1/scans");
        store.set("HANDHELD-01", "retry.max_attempts", 5L);

        Map<?, ?> mine = (Map<?, ?>) Json.parse(fetch(key, null).body());
        AgentConfig parsed = AgentConfig.fromJson(mine);

        assertThat(mine.get("mirror_mode")).isEqualTo(true);
        assertThat(mine.get("mirror_endpoint")).isEqualTo("http://raspi-server.local:8501/api/v1/scans");
        assertThat(((Map<?, ?>) mine.get("retry")).get("max_attempts")).isEqualTo(5L);
        assertThat(((Map<?, ?>) mine.get("retry")).get("backoff_ms")).isEqualTo(500L);
        assertThat(parsed.values()).containsEntry("timeout_ms", 3000L);
        assertThat(store.effective("HANDHELD-02").values()).containsEntry("retry.max_attempts", 3L);
    }

    @Test
    void all_versions_at_once_agree_with_each_devices_effective_configuration() {
        store.set(AgentConfigStore.FLEET, "timeout_ms", 4000L);
        store.set("VERSIONS-01", "timeout_ms", 7000L);
        store.set(AgentConfigStore.FLEET, "retry.backoff_ms", 700L);
        store.set("VERSIONS-02", "retry.backoff_ms", 900L);

        var versions = store.versions();

        for (String device : List.of("VERSIONS-01", "VERSIONS-02", "NEVER-SEEN", AgentConfigStore.FLEET)) {
            assertThat(versions.applyAsLong(device)).as(device).isEqualTo(store.effective(device).version());
        }
        assertThat(versions.applyAsLong("VERSIONS-02")).isGreaterThan(versions.applyAsLong("VERSIONS-01"));
    }

    @Test
    void answers_304_until_the_devices_configuration_changes() {
        HttpResponse<String> first = fetch(key, null);
        String etag = first.headers().firstValue("ETag").orElseThrow();

        HttpResponse<String> unchanged = fetch(key, etag);
        store.set("HANDHELD-02", "timeout_ms", 9000L);
        HttpResponse<String> otherDeviceChanged = fetch(key, etag);
        store.set("HANDHELD-01", "timeout_ms", 7000L);
        HttpResponse<String> changed = fetch(key, etag);

        assertThat(unchanged.statusCode()).isEqualTo(304);
        assertThat(unchanged.body()).isEmpty();
        assertThat(otherDeviceChanged.statusCode()).isEqualTo(304);
        assertThat(changed.statusCode()).isEqualTo(200);
        assertThat(changed.headers().firstValue("ETag")).isPresent().isNotEqualTo(java.util.Optional.of(etag));
        assertThat(((Map<?, ?>) Json.parse(changed.body())).get("timeout_ms")).isEqualTo(7000L);
    }

    @Test
    void versions_only_move_forward_even_when_a_value_is_unset() {
        store.set("HANDHELD-02", "status_interval_s", 120L);
        long afterSet = store.effective("HANDHELD-02").version();
        boolean sameAgain = store.set("HANDHELD-02", "status_interval_s", 120L);
        store.unset("HANDHELD-02", "status_interval_s");
        AgentConfig afterUnset = store.effective("HANDHELD-02");

        assertThat(sameAgain).isFalse();
        assertThat(afterUnset.version()).isGreaterThan(afterSet);
        assertThat(afterUnset.values()).containsEntry("status_interval_s", 60L);
    }
}
