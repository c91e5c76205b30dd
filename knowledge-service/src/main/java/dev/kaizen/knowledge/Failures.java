package dev.kaizen.knowledge;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.util.Set;
import java.util.UUID;

import dev.kaizen.api.RuleViolation;
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

    /** The status a call that failed with {@code failure} answers. */
    static Status toStatus(Throwable failure, String method) {
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
                    return Status.DEADLINE_EXCEEDED.withDescription("The database took too long; retry later.");
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

    /** Whether the failure is a conflict with a concurrent transaction that a rerun may not meet. */
    static boolean isTransientConflict(Throwable failure) {
        SQLException sql = sqlCause(failure);
        return sql != null && (SERIALIZATION_FAILURE.equals(sql.getSQLState()) || DEADLOCK.equals(sql.getSQLState()));
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
