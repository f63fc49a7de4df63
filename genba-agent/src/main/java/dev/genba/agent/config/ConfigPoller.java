package dev.genba.agent.config;

import dev.genba.agent.http.AgentHttp;
import dev.genba.agent.http.HttpAnswer;
import dev.genba.agent.http.NoAnswer;
import dev.genba.agent.logs.AgentLog;
import dev.genba.protocol.Json;
import dev.genba.protocol.ProtocolException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Asks the server for this device's configuration with {@code If-None-Match}; a new one is
 * saved to disk first and then applied, so what runs is what a restart would load. When it
 * cannot be saved (the disk is full), it is applied all the same and asked for again in full at
 * the next poll, until it is saved: the server's word counts more than the copy kept for a start
 * without it (a mirror switched off must stop receiving scans now, not when space is freed).
 */
public final class ConfigPoller {
    private static final AgentLog LOG = AgentLog.of(ConfigPoller.class);
    /**
     * A Genba server's configuration is under 2 KB. A larger answer (a server_url pointing at something
     * else) is refused before it is parsed: 1 MiB of JSON objects fills the 24 MB heap, and the agent
     * would be ended and restarted, to poll again, over and over.
     */
    static final int MAX_CONFIG_BYTES = 64 * 1024;

    private final LiveSettings settings;
    private final ConfigStore store;
    private final AgentHttp http;
    private final ServerContact contact;
    /** Why the configuration in force could not be saved, logged once while it lasts; null once saved. */
    private String saveProblem;

    public ConfigPoller(LiveSettings settings, ConfigStore store, AgentHttp http, ServerContact contact) {
        this.settings = settings;
        this.store = store;
        this.http = http;
        this.contact = contact;
    }

    public enum Result { CHANGED, UNCHANGED, FAILED }

    public Result poll() {
        String url = settings.file().serverUrl() + "/api/v1/agent/config";
        String etag = settings.serverConfig().map(ServerConfig::etag).orElse(null);
        HttpAnswer answer;
        try {
            answer = http.get(url, settings.current().jobTimeoutMs(), etag == null ? Map.of() : Map.of("If-None-Match", etag),
                    MAX_CONFIG_BYTES);
        } catch (IOException e) {
            contact.unreachable(ServerContact.Call.CONFIG, NoAnswer.describe(url, e));
            return Result.FAILED;
        }
        contact.compareClock(answer);
        if (answer.status() == 304) {
            contact.answered(ServerContact.Call.CONFIG, null);
            return Result.UNCHANGED;
        }
        if (!answer.ok()) {
            contact.answered(ServerContact.Call.CONFIG, answer.describe(url));
            return Result.FAILED;
        }
        contact.answered(ServerContact.Call.CONFIG, null);
        try {
            Object wire = Json.parse(answer.body());
            if (!(wire instanceof Map<?, ?> object)) {
                throw ProtocolException.invalidJson("the configuration must be a JSON object");
            }
            // Every key is optional, so without this any 200 with a JSON object (a proxy, another program
            // on that port) would be taken for version 0 and undo the server's settings, mirror mode among them.
            if (!object.containsKey("config_version")) {
                throw ProtocolException.invalidJson("the answer has no config_version, so it is not a Genba server's"
                        + " agent configuration (is server_url the Genba server?)");
            }
            @SuppressWarnings("unchecked")
            ServerConfig config = ServerConfig.of(answer.etag(), (Map<String, Object>) wire);
            long previous = settings.current().configVersion();
            if (save(config)) {
                settings.apply(config);
            } else {
                // without its ETag, so the next poll gets the whole configuration again and saves it
                settings.apply(ServerConfig.of(null, config.wire()));
            }
            if (config.version() != previous) {
                LOG.info("applied configuration version " + config.version() + " from the server");
            }
            return Result.CHANGED;
        } catch (ProtocolException e) {
            LOG.warn("ignored the configuration from " + url + " and kept version "
                    + settings.current().configVersion() + ": " + e.getMessage());
            return Result.FAILED;
        }
    }

    private boolean save(ServerConfig config) {
        try {
            store.save(config);
            if (saveProblem != null) {
                LOG.info("saved the configuration from the server; a restart starts from it again");
                saveProblem = null;
            }
            return true;
        } catch (UncheckedIOException e) {
            if (!e.getMessage().equals(saveProblem)) {
                saveProblem = e.getMessage();
                LOG.warn("applied the configuration from the server without saving it (a restart while the server"
                        + " cannot be reached would start from the previous one); saving is tried again at each poll: "
                        + e.getMessage());
            }
            return false;
        }
    }
}
