package dev.kaizen.api;

/**
 * An input that breaks one of the {@link Rules}: the argument (a field path such as
 * {@code entries[2].content}) and what is wrong with it and how to fix it. Its message is the one
 * sentence a caller reads: the argument, then the problem.
 */
public final class RuleViolation extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String argument;
    private final String problem;

    /** {@code problem} continues the sentence that starts with {@code argument}, e.g. "is missing: it is required.". */
    public RuleViolation(String argument, String problem) {
        super(argument + " " + problem, null, false, false);
        this.argument = argument;
        this.problem = problem;
    }

    /** The argument that breaks the rule, as a field path of the request. */
    public String argument() {
        return argument;
    }

    /** What is wrong with it, without its name. */
    public String problem() {
        return problem;
    }
}
