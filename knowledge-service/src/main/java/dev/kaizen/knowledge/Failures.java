package dev.kaizen.knowledge;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.util.Set;
import java.util.UUID;

import dev.kaizen.api.RuleViolation;
import io.grpc.InternalMetadata;
import io.grpc.InternalStatus;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * The one mapping from what went wrong to a gRPC status. Rule violations and domain refusals keep
 * their messages; database failures get messages that say what to do and never show SQL; anything
 * else is a bug: INTERNAL with a reference to the log line that has the details.
 */
final class Failures {
    private static final System.Logger LOG = System.getLogger(Failures.class.getName());
    /** SQLSTATEs of a server that is shutting down, starting up, or out of connections. */
    private static final Set<String> UNAVAILABLE_STATES = Set.of("57P01", "57P02", "57P03", "53300");
    private static final String SERIALIZATION_FAILURE = "40001";
    private static final String DEADLOCK = "40P01";
    private static final String UNIQUE_VIOLATION = "23505";
    private static final String FOREIGN_KEY_VIOLATION = "23503";
    private static final String QUERY_CANCELED = "57014";

    private Failures() {
    }

    static StatusRuntimeException notFound(String message) {
        return Status.NOT_FOUND.withDescription(message).asRuntimeException();
    }

    static StatusRuntimeException alreadyExists(String message) {
        return Status.ALREADY_EXISTS.withDescription(message).asRuntimeException();
    }

    static StatusRuntimeException failedPrecondition(String message) {
        return Status.FAILED_PRECONDITION.withDescription(message).asRuntimeException();
    }

    static StatusRuntimeException invalidArgument(String message) {
        return Status.INVALID_ARGUMENT.withDescription(message).asRuntimeException();
    }

    /**
     * Most bytes a status message may take in the {@code grpc-message} trailer, percent-encoded as
     * the gRPC protocol sends it. Why a cap: Helidon 4.5.0's HPACK encoder looped forever on a header
     * larger than its 4,096-byte table, holding the connection's write lock, so one long message
     * wedged every call on that HTTP/2 connection (patched in io.helidon.http.http2.Http2Headers; this
     * cap keeps us safe without the patch too), and grpc-java clients refuse trailers over 8 KiB.
     * Messages quote callers' values only through {@link dev.kaizen.api.Rules#quote}, which keeps
     * them short; this cap is the guarantee. The service writes no other header that carries input.
     */
    static final int MESSAGE_MAX_BYTES = 2048;

    /** The status a call that failed with {@code failure} answers, its message ready for the wire. */
    static Status toStatus(Throwable failure, String method) {
        Status status = status(failure, method);
        return status.getDescription() == null ? status : status.withDescription(wire(status.getDescription()));
    }

    /**
     * The message as {@code grpc-message} carries it: percent-encoded, as the gRPC protocol requires
     * and clients decode (Helidon 4.5.0 writes a description as it is, so non-ASCII text reached
     * grpc-js clients broken), by grpc-java's own encoder; cut at a character boundary to fit
     * {@link #MESSAGE_MAX_BYTES}, marked with "...".
     */
    static String wire(String message) {
        String encoded = percentEncoded(message);
        if (encoded.length() <= MESSAGE_MAX_BYTES) {
            return encoded;
        }
        StringBuilder cut = new StringBuilder();
        for (int at = 0; at < message.length(); at = message.offsetByCodePoints(at, 1)) {
            String character = percentEncoded(message.substring(at, message.offsetByCodePoints(at, 1)));
            if (cut.length() + character.length() > MESSAGE_MAX_BYTES - 3) {
                break;
            }
            cut.append(character);
        }
        return cut.append("...").toString();
    }

    private static String percentEncoded(String text) {
        Metadata trailer = new Metadata();
        trailer.put(InternalStatus.MESSAGE_KEY, text);
        return new String(InternalMetadata.serialize(trailer)[1], StandardCharsets.US_ASCII);
    }

    private static Status status(Throwable failure, String method) {
        if (failure instanceof StatusRuntimeException refusal) {
            return refusal.getStatus();
        }
        if (failure instanceof RuleViolation violation) {
            return Status.INVALID_ARGUMENT.withDescription(violation.getMessage());
        }
        SQLException sql = sqlCause(failure);
        if (failure instanceof Database.DatabaseUnavailable || isConnectionFailure(sql)) {
            LOG.log(System.Logger.Level.WARNING, "{0}: database unavailable: {1}", method,
                    sql == null ? failure.getMessage() : sql.getMessage());
            return Status.UNAVAILABLE.withDescription("The knowledge database is unavailable; retry later.");
        }
        if (sql != null) {
            switch (String.valueOf(sql.getSQLState())) {
                case UNIQUE_VIOLATION -> {
                    return Status.ALREADY_EXISTS.withDescription(
                            "A concurrent change created the same name first; choose another name or retry.");
                }
                case FOREIGN_KEY_VIOLATION -> {
                    return Status.NOT_FOUND.withDescription(
                            "A scope or entry this change refers to was deleted meanwhile; check the names and retry.");
                }
                case SERIALIZATION_FAILURE, DEADLOCK -> {
                    return Status.ABORTED.withDescription("A concurrent change conflicted with this one; retry.");
                }
                case QUERY_CANCELED -> {
                    return cancelled(io.grpc.Context.current());
                }
                default -> {
                }
            }
        }
        String reference = UUID.randomUUID().toString();
        LOG.log(System.Logger.Level.ERROR, method + " failed, reference " + reference, failure);
        return Status.INTERNAL.withDescription("Internal error in knowledge-service (reference " + reference
                + "); the service log has the details.");
    }

    /** Why PostgreSQL cancelled the call's statement: its deadline passed, its caller cancelled, or the ceiling. */
    static Status cancelled(io.grpc.Context call) {
        if (call.getDeadline() != null && call.getDeadline().isExpired()) {
            return Status.DEADLINE_EXCEEDED.withDescription("The call's deadline passed while the database worked on it; "
                    + "retry with a longer deadline.");
        }
        if (call.isCancelled()) {
            return Status.CANCELLED.withDescription("The call was cancelled by its caller.");
        }
        return Status.DEADLINE_EXCEEDED.withDescription("The database took longer than a statement may take "
                + "(db.statement.timeout); retry, or narrow the request.");
    }

    /** Whether the failure is a conflict with a concurrent transaction that a rerun may not meet. */
    static boolean isTransientConflict(Throwable failure) {
        SQLException sql = sqlCause(failure);
        return sql != null && (SERIALIZATION_FAILURE.equals(sql.getSQLState()) || DEADLOCK.equals(sql.getSQLState()));
    }

    /** Whether the failure is the database being down or unreachable (no connection, or a connection lost). */
    static boolean isUnavailable(Throwable failure) {
        return failure instanceof Database.DatabaseUnavailable || isConnectionFailure(sqlCause(failure));
    }

    private static boolean isConnectionFailure(SQLException sql) {
        if (sql == null) {
            return false;
        }
        String state = sql.getSQLState();
        return sql instanceof SQLTransientConnectionException
                || sql instanceof SQLNonTransientConnectionException
                || (state != null && (state.startsWith("08") || UNAVAILABLE_STATES.contains(state)));
    }

    private static SQLException sqlCause(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql) {
                return sql;
            }
        }
        return null;
    }
}
