package dev.genba.server.agentconfig;

import dev.genba.protocol.AgentConfig;
import dev.genba.protocol.AgentSetting;
import dev.genba.protocol.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jdbi.v3.core.Jdbi;

/**
 * The desired agent configuration: built-in defaults, then fleet-wide values (scope {@code *}),
 * then the device's own overrides. Every change takes the next number of one sequence; a
 * device's config version is the highest number among the rows that apply to it, so it only
 * moves when that device's configuration changed. Unsetting keeps a row with no value, so
 * versions never go backwards.
 */
public final class AgentConfigStore {
    public static final String FLEET = "*";

    private final Jdbi jdbi;

    public AgentConfigStore(Jdbi jdbi) {
        this.jdbi = jdbi;
    }

    private record Row(String scope, String key, String value, long version) {
    }

    public AgentConfig effective(String device) {
        Map<String, Object> values = new LinkedHashMap<>();
        AgentSetting.ALL.forEach(setting -> values.put(setting.key(), setting.defaultValue()));
        long version = 0;
        var rows = jdbi.withHandle(handle -> handle.createQuery("""
                        select scope, key, value::text as value, version from agent_settings
                        where scope = :fleet or scope = :device
                        order by case when scope = :fleet then 0 else 1 end
                        """)
                .bind("fleet", FLEET).bind("device", device)
                .map((rs, ctx) -> new Row(rs.getString("scope"), rs.getString("key"), rs.getString("value"),
                        rs.getLong("version")))
                .list());
        for (Row row : rows) {
            version = Math.max(version, row.version());
            if (row.value() != null && AgentSetting.find(row.key()).isPresent()) {
                values.put(row.key(), Json.parse(row.value()));
            }
        }
        return new AgentConfig(version, values);
    }

    /**
     * Every device's configuration version at once, as {@link #effective} would give it: the
     * function answers for any device name, from one query.
     */
    public java.util.function.ToLongFunction<String> versions() {
        Map<String, Long> byScope = new java.util.HashMap<>();
        jdbi.useHandle(handle -> handle.createQuery("select scope, max(version) as version from agent_settings group by scope")
                .map((rs, ctx) -> Map.entry(rs.getString("scope"), rs.getLong("version")))
                .forEach(entry -> byScope.put(entry.getKey(), entry.getValue())));
        long fleet = byScope.getOrDefault(FLEET, 0L);
        return device -> Math.max(fleet, byScope.getOrDefault(device, 0L));
    }

    /** The values set for one scope only (fleet or a device), without defaults. */
    public Map<String, Object> explicit(String scope) {
        Map<String, Object> values = new LinkedHashMap<>();
        jdbi.withHandle(handle -> handle.createQuery(
                        "select key, value::text as value from agent_settings where scope = :scope and value is not null order by key")
                .bind("scope", scope)
                .map((rs, ctx) -> Map.entry(rs.getString("key"), rs.getString("value")))
                .list())
                .forEach(entry -> values.put(entry.getKey(), Json.parse(entry.getValue())));
        return values;
    }

    /** The clients that have their own value for any of {@code keys} (not the fleet's), by name. */
    public List<String> clientsOverriding(List<String> keys) {
        return jdbi.withHandle(handle -> handle.createQuery("""
                        select distinct scope from agent_settings
                        where scope <> :fleet and key in (<keys>) and value is not null order by scope""")
                .bind("fleet", FLEET).bindList("keys", keys)
                .mapTo(String.class).list());
    }

    /**
     * Sets a key for the fleet or one device; {@code value} must already be checked by its
     * {@link AgentSetting}. Returns false when it already had that value (nothing changes).
     */
    public boolean set(String scope, String key, Object value) {
        String json = Json.write(value);
        return jdbi.inTransaction(handle -> {
            var current = handle.createQuery(
                            "select value::text from agent_settings where scope = :scope and key = :key for update")
                    .bind("scope", scope).bind("key", key).mapTo(String.class).findFirst();
            if (current.isPresent() && current.get() != null && Objects.equals(Json.parse(current.get()), value)) {
                return false;
            }
            handle.createUpdate("""
                    insert into agent_settings (scope, key, value, version, updated_at)
                    values (:scope, :key, cast(:value as jsonb), nextval('agent_config_version'), now())
                    on conflict (scope, key) do update
                        set value = excluded.value, version = excluded.version, updated_at = now()
                    """)
                    .bind("scope", scope).bind("key", key).bind("value", json).execute();
            return true;
        });
    }

    /** Removes a key from a scope (the fleet value or the default applies again). */
    public boolean unset(String scope, String key) {
        return jdbi.withHandle(handle -> handle.createUpdate("""
                        update agent_settings set value = null, version = nextval('agent_config_version'), updated_at = now()
                        where scope = :scope and key = :key and value is not null
                        """)
                .bind("scope", scope).bind("key", key).execute() > 0);
    }
}
