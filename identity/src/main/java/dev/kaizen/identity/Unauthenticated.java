package dev.kaizen.identity;

/**
 * A call without a valid credential. The message says what is wrong in words a caller can act on
 * (RFC 6750's error_description); it never quotes the credential.
 */
public final class Unauthenticated extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final boolean missing;

    private Unauthenticated(String message, boolean missing) {
        super(message, null, false, false);
        this.missing = missing;
    }

    static Unauthenticated noCredential() {
        return new Unauthenticated("Authentication required: send 'Authorization: Bearer <token>' with an OAuth access "
                + "token for this server or an API token.", true);
    }

    static Unauthenticated invalid(String why) {
        return new Unauthenticated("Invalid token: " + why, false);
    }

    /** No credential at all (RFC 6750: answer without an error code), as opposed to a bad one (invalid_token). */
    public boolean credentialMissing() {
        return missing;
    }
}
