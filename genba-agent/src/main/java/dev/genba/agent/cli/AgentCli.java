package dev.genba.agent.cli;

import dev.genba.agent.AgentException;
import dev.genba.agent.AgentVersion;
import dev.genba.agent.config.ConfigException;
import dev.genba.agent.logs.AgentLog;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code genba-agent}: the device agent's command line. */
@Command(name = "genba-agent", mixinStandardHelpOptions = true, versionProvider = AgentCli.Version.class,
        description = "Device agent for Genba client Pis: durable scan outbox, delivery, status and log reporting.",
        subcommands = {RunCommand.class, ScanCommand.class, StatusCommand.class, ReportCommand.class,
            DeadLettersCommand.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:success", "1:ran and found a problem", "2:could not run (configuration, arguments)"})
public final class AgentCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        Path runConfig = RunCommand.plainRunConfig(args);
        // `run` (what the unit starts, for months) skips picocli: its ~180 classes and the reflection
        // over our annotations would stay loaded for the life of the process, in a 40 MB budget.
        System.exit(runConfig != null ? RunCommand.runWithoutParser(runConfig, err) : execute(args, out, err));
    }

    /** Runs one command line; tests call this instead of {@link #main} to read the exit code. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        AgentLog.errorsOnly();
        CommandLine commandLine = new CommandLine(new AgentCli());
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setExecutionExceptionHandler((exception, line, parseResult) -> failed(exception, line.getErr()));
        int exitCode = commandLine.execute(args);
        out.flush();
        err.flush();
        return exitCode;
    }

    /** Prints why a command could not run, and returns its exit code. */
    static int failed(Exception exception, PrintWriter err) {
        if (exception instanceof ConfigException config) {
            config.problems().forEach(err::println);
        } else if (exception instanceof AgentException) {
            err.println(exception.getMessage());
        } else {
            err.println("genba-agent failed unexpectedly; please report this with the lines below:");
            exception.printStackTrace(err);
        }
        err.flush();
        return ExitCodes.ERROR;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command: run, scan, status, report or dead-letters");
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"genba-agent " + AgentVersion.current()};
        }
    }
}
