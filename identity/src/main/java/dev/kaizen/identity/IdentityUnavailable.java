package dev.kaizen.identity;

/** Tokens cannot be checked right now: the authorization server's keys cannot be fetched. Retryable. */
public final class IdentityUnavailable extends RuntimeException {
    private static final long serialVersionUID = 1L;

    IdentityUnavailable(String message, Throwable cause) {
        super(message, cause);
    }
}
