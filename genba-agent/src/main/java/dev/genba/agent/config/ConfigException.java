package dev.genba.agent.config;

import dev.genba.agent.AgentException;
import java.util.List;

/** The agent's configuration cannot be used: one plain sentence per problem. */
public class ConfigException extends AgentException {
    private static final long serialVersionUID = 1L;

    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super(String.join("\n", problems));
        this.problems = List.copyOf(problems);
    }

    public ConfigException(String problem) {
        this(List.of(problem));
    }

    public List<String> problems() {
        return problems;
    }
}
