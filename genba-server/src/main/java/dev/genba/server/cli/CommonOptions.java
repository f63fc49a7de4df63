package dev.genba.server.cli;

import dev.genba.server.config.GenbaConfig;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code --config} and {@code --data-dir}, accepted by every command. */
public final class CommonOptions {
    @Option(names = "--config", paramLabel = "FILE", description = "configuration file (JSON or YAML; default $GENBA_CONFIG, else /etc/genba/genba.yaml if present); GENBA_* environment variables override it")
    Path config;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "data directory (default: data_dir from the config, else ./data)")
    Path dataDir;

    /** Without --config: $GENBA_CONFIG, else /etc/genba/genba.yaml when it exists (an installed server). */
    public GenbaConfig load(Integer port) {
        return GenbaConfig.load(configFile(), dataDir, port, System.getenv());
    }

    private Path configFile() {
        if (config != null) {
            return config;
        }
        String fromEnvironment = System.getenv("GENBA_CONFIG");
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            return Path.of(fromEnvironment);
        }
        Path installed = Path.of("/etc/genba/genba.yaml");
        return java.nio.file.Files.isRegularFile(installed) ? installed : null;
    }
}
