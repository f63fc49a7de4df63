package dev.genba.agent.cli;

import dev.genba.agent.AgentException;
import dev.genba.agent.AgentVersion;
import dev.genba.agent.config.ConfigException;
import dev.genba.agent.logs.ConsoleFormat;
import java.io.PrintWriter;
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
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs one command line; tests call this instead of {@link #main} to read the exit code. */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        ConsoleFormat.installQuiet();
        CommandLine commandLine = new CommandLine(new AgentCli());
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setExecutionExceptionHandler((exception, line, parseResult) -> {
            if (exception instanceof ConfigException config) {
                config.problems().forEach(line.getErr()::println);
            } else if (exception instanceof AgentException) {
                line.getErr().println(exception.getMessage());
            } else {
                line.getErr().println("genba-agent failed unexpectedly; please report this with the lines below:");
                exception.printStackTrace(line.getErr());
            }
            line.getErr().flush();
            return ExitCodes.ERROR;
        });
        int exitCode = commandLine.execute(args);
        out.flush();
        err.flush();
        return exitCode;
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
