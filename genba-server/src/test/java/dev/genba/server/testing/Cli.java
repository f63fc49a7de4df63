package dev.genba.server.testing;

import dev.genba.server.cli.GenbaCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs a {@code genba} command in this JVM and captures what it printed, as an operator would see it. */
public final class Cli {
    private Cli() {
    }

    public record Run(int exitCode, String out, String err) {
    }

    public static Run genba(String... args) {
        return genbaWithInput("", args);
    }

    /** The same, with {@code input} as standard input (for --stdin). */
    public static synchronized Run genbaWithInput(String input, String... args) {
        java.io.InputStream originalIn = System.in;
        PrintStream originalOut = System.out;
        PrintStream originalErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setIn(new java.io.ByteArrayInputStream(input.getBytes(StandardCharsets.UTF_8)));
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = GenbaCli.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setIn(originalIn);
            System.setOut(originalOut);
            System.setErr(originalErr);
        }
    }
}
