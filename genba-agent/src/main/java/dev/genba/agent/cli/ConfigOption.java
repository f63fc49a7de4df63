package dev.genba.agent.cli;

import dev.genba.agent.config.AgentFileConfig;
import dev.genba.agent.config.ConfigLoader;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --config FILE}, shared by every subcommand; warnings about ignored keys go to stderr. */
public final class ConfigOption {
    static final Path DEFAULT_FILE = ConfigLoader.DEFAULT_PATH;

    @Option(names = "--config", paramLabel = "FILE", defaultValue = "/etc/genba/agent.json",
            description = "agent configuration file (default: ${DEFAULT-VALUE}); GENBA_AGENT_<KEY> variables override it")
    Path file;

    AgentFileConfig load() {
        return load(file);
    }

    static AgentFileConfig load(Path file) {
        ConfigLoader.Loaded loaded = new ConfigLoader(System.getenv()).load(file);
        loaded.warnings().forEach(System.err::println);
        return loaded.config();
    }
}
