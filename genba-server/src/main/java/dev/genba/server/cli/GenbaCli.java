package dev.genba.server.cli;

import dev.genba.server.GenbaServer;
import dev.genba.server.agentconfig.AgentConfigCommand;
import dev.genba.server.auth.AdminCommand;
import dev.genba.server.clients.ClientsCommand;
import dev.genba.server.config.ConfigException;
import dev.genba.server.mirror.MirrorCommand;
import dev.genba.server.users.UsersCommand;
import dev.genba.server.scans.ScansCommand;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code genba}: the operator's one command. Exit codes are part of the contract:
 * 0 success, 1 ran and found a problem, 2 could not run (bad input, bad config, no database).
 */
@Command(name = "genba", mixinStandardHelpOptions = true, versionProvider = GenbaCli.Version.class,
        description = "Genba shop-floor server and operator commands.",
        subcommands = {ServerCommand.class, MigrateCommand.class, ClientsCommand.class, AdminCommand.class,
                AgentConfigCommand.class, MirrorCommand.class, UsersCommand.class, ScansCommand.class, dev.genba.server.demo.DemoCommand.class,
                CommandLine.HelpCommand.class})
public final class GenbaCli implements Runnable {
    public static final int OK = 0;
    public static final int PROBLEM = 1;
    public static final int ERROR = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required (try: genba --help)");
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        CommandLine commandLine = new CommandLine(new GenbaCli());
        commandLine.setExecutionExceptionHandler(GenbaCli::handle);
        commandLine.setParameterExceptionHandler(GenbaCli::handleBadArguments);
        commandLine.setExitCodeExceptionMapper(exception -> ERROR);
        return commandLine.execute(args);
    }

    private static int handle(Exception exception, CommandLine commandLine, CommandLine.ParseResult parseResult) {
        PrintWriter err = commandLine.getErr();
        if (exception instanceof ConfigException config) {
            err.println("genba: the configuration has " + config.problems().size() + " problem(s):");
            config.problems().forEach(problem -> err.println("  - " + problem));
        } else if (exception instanceof CommandLine.ParameterException) {
            err.println("genba: " + exception.getMessage());
        } else {
            err.println("genba: " + describe(exception));
        }
        err.flush();
        return ERROR;
    }

    /**
     * A mistake on the command line: the one {@code genba: ...} line RUNBOOK 0.1 promises, picocli's
     * "did you mean" suggestions when it has any, and where the full usage is, instead of the whole usage text.
     */
    private static int handleBadArguments(CommandLine.ParameterException exception, String[] args) {
        CommandLine where = exception.getCommandLine();
        PrintWriter err = where.getErr();
        err.println("genba: " + plainMessage(exception));
        if (exception instanceof CommandLine.UnmatchedArgumentException unmatched) {
            List<String> suggestions = unmatched.getSuggestions();
            if (!suggestions.isEmpty()) {
                err.println("  did you mean: " + String.join(", ", suggestions) + "?");
            }
        }
        err.println("  see: " + where.getCommandSpec().qualifiedName() + " --help");
        err.flush();
        return ERROR;
    }

    /**
     * picocli's message, except where it would quote the {@code --config} and {@code --data-dir} that the
     * operator's shell function (RUNBOOK 0.2) adds after every command, which the operator never typed,
     * and with anything that looks like a device key or admin token hidden (pasted in the wrong place).
     */
    private static String plainMessage(CommandLine.ParameterException exception) {
        return SECRET.matcher(unmaskedMessage(exception)).replaceAll("$1_…(hidden)");
    }

    private static String unmaskedMessage(CommandLine.ParameterException exception) {
        CommandLine.Model.CommandSpec where = exception.getCommandLine().getCommandSpec();
        if (exception instanceof CommandLine.UnmatchedArgumentException unmatched) {
            List<String> typed = new ArrayList<>();
            List<String> all = unmatched.getUnmatched();
            for (int i = 0; i < all.size(); i++) {
                if (ADDED_BY_THE_SHELL_FUNCTION.contains(all.get(i))) {
                    i++; // and its value
                } else {
                    typed.add("'" + all.get(i) + "'");
                }
            }
            if (!typed.isEmpty() && typed.size() < all.size()) {
                return "not a command or argument here: " + String.join(", ", typed);
            }
            if (typed.isEmpty() && !where.subcommands().isEmpty()) {
                // `genba` or `genba clients` alone, through the shell function
                List<String> commands = new ArrayList<>(where.subcommands().keySet());
                commands.remove("help");
                return "a command is needed after '" + where.qualifiedName() + "': " + String.join(", ", commands);
            }
        }
        String message = String.valueOf(exception.getMessage());
        // an option given without its value, not a required option left out ("Missing required option")
        boolean noValue = message.startsWith("Missing required parameter for option")
                || message.startsWith("Expected parameter for option");
        if (noValue && exception instanceof CommandLine.MissingParameterException missing
                && !missing.getMissing().isEmpty() && missing.getMissing().get(0) instanceof CommandLine.Model.OptionSpec option) {
            return "option '" + option.longestName() + "' needs a value (" + option.paramLabel() + ")";
        }
        return message;
    }

    private static final Set<String> ADDED_BY_THE_SHELL_FUNCTION = Set.of("--config", "--data-dir");
    private static final Pattern SECRET = Pattern.compile("\\b(gk|gt)_[A-Za-z0-9_-]{8,}");

    /** The plain reason, without stack trace: the innermost message that says something. */
    private static String describe(Throwable exception) {
        String message = exception.getMessage();
        Throwable cause = exception.getCause();
        while ((message == null || message.isBlank()) && cause != null) {
            message = cause.getMessage();
            cause = cause.getCause();
        }
        return message == null ? exception.getClass().getSimpleName() : message;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"genba " + GenbaServer.VERSION};
        }
    }
}
