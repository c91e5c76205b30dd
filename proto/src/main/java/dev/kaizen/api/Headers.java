package dev.kaizen.api;

import io.grpc.Metadata;

/**
 * The gRPC metadata Kaizen's services and their callers exchange, each name written once: the
 * caller's credential and the grant a refusal asks for. A "grant scope" is an OAuth scope that grants
 * something ({@code kaizen:write:acme}); a scope without the word is a Kaizen scope ({@code acme:web}).
 */
public final class Headers {
    /** The caller's credential, {@code Bearer <OAuth access token or API token>}. */
    public static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization",
            Metadata.ASCII_STRING_MARSHALLER);
    /**
     * The OAuth scope a PERMISSION_DENIED asks for (e.g. {@code kaizen:write:acme}), as a trailer; the
     * gateway answers it as HTTP 403 {@code insufficient_scope}. The same value is in the status's
     * {@link ErrorDetails.Reason#GRANT_MISSING} ErrorInfo as {@link ErrorDetails#REQUIRED_GRANT_SCOPE}.
     */
    public static final Metadata.Key<String> REQUIRED_GRANT_SCOPE = Metadata.Key.of("kaizen-required-scope",
            Metadata.ASCII_STRING_MARSHALLER);

    private Headers() {
    }
}
