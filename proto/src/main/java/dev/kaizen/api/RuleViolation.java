package dev.kaizen.api;

/**
 * An input that breaks one of the {@link Rules}. Its message is one sentence for the caller: what
 * is wrong and how to fix it.
 */
public final class RuleViolation extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RuleViolation(String message) {
        super(message, null, false, false);
    }
}
