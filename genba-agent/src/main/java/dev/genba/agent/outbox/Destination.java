package dev.genba.agent.outbox;

import dev.genba.agent.config.AgentSettings;
import java.util.Locale;

/** Where a scan goes: the primary always, the mirror while mirror mode is on (seed §2.1). */
public enum Destination {
    PRIMARY, MIRROR;

    /** The name used in the database, the status report and the CLI. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The endpoint in force; null for the mirror when none is configured. */
    public String endpoint(AgentSettings settings) {
        return this == PRIMARY ? settings.primaryEndpoint() : settings.mirrorEndpoint();
    }
}
