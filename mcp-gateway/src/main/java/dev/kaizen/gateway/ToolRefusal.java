package dev.kaizen.gateway;

/** A tool call refused before it reaches knowledge-service; the message is the sentence the caller sees. */
final class ToolRefusal extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ToolRefusal(String message) {
        super(message, null, false, false);
    }
}
