package dev.genba.agent.config;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The settings in force, replaced whole when a new server configuration arrives; components
 * read {@link #current()} on every cycle and listeners wake sleeping ones so a change (mirror
 * on/off, endpoints, intervals) takes effect without a restart.
 */
public final class LiveSettings {
    private final AgentFileConfig file;
    private final AtomicReference<AgentSettings> current;
    private final AtomicReference<ServerConfig> serverConfig;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

    public LiveSettings(AgentFileConfig file, Optional<ServerConfig> lastReceived) {
        this.file = file;
        this.serverConfig = new AtomicReference<>(lastReceived.orElse(null));
        this.current = new AtomicReference<>(compute(lastReceived.orElse(null)));
    }

    public AgentSettings current() {
        return current.get();
    }

    public Optional<ServerConfig> serverConfig() {
        return Optional.ofNullable(serverConfig.get());
    }

    public AgentFileConfig file() {
        return file;
    }

    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    /** Applies a configuration already checked by {@link ServerConfig#of}. */
    public void apply(ServerConfig config) {
        serverConfig.set(config);
        AgentSettings next = compute(config);
        AgentSettings previous = current.getAndSet(next);
        if (!next.equals(previous)) {
            listeners.forEach(Runnable::run);
        }
    }

    private AgentSettings compute(ServerConfig config) {
        if (config == null) {
            return AgentSettings.from(0, file.settings(), file.serverUrl());
        }
        return AgentSettings.from(config.version(), config.overlay(file.settings()), file.serverUrl());
    }
}
