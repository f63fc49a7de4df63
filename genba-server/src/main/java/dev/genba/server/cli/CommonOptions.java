package dev.genba.server.cli;

import dev.genba.server.config.GenbaConfig;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --config} and {@code --data-dir}, accepted by every command. */
public final class CommonOptions {
    @Option(names = "--config", paramLabel = "FILE", description = "configuration file (JSON or YAML); GENBA_* environment variables override it")
    Path config;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "data directory (default: data_dir from the config, else ./data)")
    Path dataDir;

    public GenbaConfig load(Integer port) {
        return GenbaConfig.load(config, dataDir, port, System.getenv());
    }
}
