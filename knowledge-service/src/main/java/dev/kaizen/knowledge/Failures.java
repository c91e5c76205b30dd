package dev.kaizen.knowledge;

import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import dev.kaizen.api.ErrorDetails;
import dev.kaizen.api.ErrorDetails.Reason;
import dev.kaizen.api.RuleViolation;
import io.grpc.InternalMetadata;
import io.grpc.InternalStatus;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.protobuf.StatusProto;

/**
 * The one mapping from what went wrong to a gRPC status. Rule violations and domain refusals keep
 * their messages; database failures get messages that say what to do and never show SQL; anything
 * else is a bug: INTERNAL with a reference to the log line that has the details. Every status also
 * carries {@link ErrorDetails} (an ErrorInfo reason, and the field a rule violation names), which
 * callers decide by; the message is for people.
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

    /** NOT_FOUND: {@code field} (a field path of the request, or null) names something that does not exist. */
    static StatusRuntimeException notFound(String field, String message) {
        return refusal(Status.Code.NOT_FOUND, Reason.NOT_FOUND, field, message);
    }

    /** ALREADY_EXISTS: the name {@code field} gives is taken. */
    static StatusRuntimeException alreadyExists(String field, String message) {
        return refusal(Status.Code.ALREADY_EXISTS, Reason.ALREADY_EXISTS, field, message);
    }

    /** FAILED_PRECONDITION for {@code reason} ({@link Reason#PROTECTED} or {@link Reason#CYCLE}). */
    static StatusRuntimeException failedPrecondition(Reason reason, String field, String message) {
        return refusal(Status.Code.FAILED_PRECONDITION, reason, field, message);
    }

    /** INVALID_ARGUMENT: {@code field} (or, when null, the request as a whole) breaks a rule. */
    static StatusRuntimeException invalidArgument(String field, String message) {
        return refusal(Status.Code.INVALID_ARGUMENT, Reason.RULE_BROKEN, field, message);
    }

    /**
     * A refusal with its {@link ErrorDetails}: the reason, and the field when one is named. A message
     * that starts with the field's name gives the rest as the field violation's description.
     */
    static StatusRuntimeException refusal(Status.Code code, Reason reason, String field, String message) {
        String problem = field != null && message.startsWith(field + " ") ? message.substring(field.length() + 1) : message;
        return ErrorDetails.refusal(code, message, reason, Map.of(), field, problem);
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
    /**
     * Most UTF-8 bytes of each text in the {@code grpc-status-details-bin} trailer (the status
     * message and a field violation's description), which travels base64-encoded beside
     * {@code grpc-message}: both together stay well under the 8 KiB a grpc-java client accepts.
     */
    static final int DETAIL_MAX_BYTES = 1024;

    /**
     * What a call that failed with {@code failure} answers: its status with the message ready for the
     * wire, and its trailers with the error details (a status made elsewhere, without details, gets an
     * ErrorInfo whose reason its code implies).
     */
    static StatusRuntimeException toWire(Throwable failure, String method) {
        StatusRuntimeException refusal = refusal(failure, method);
        Status status = refusal.getStatus();
        Metadata trailers = refusal.getTrailers() == null ? new Metadata() : refusal.getTrailers();
        com.google.rpc.Status details = StatusProto.fromStatusAndTrailers(status, trailers);
        if (details.getDetailsCount() == 0) {
            details = StatusProto.fromThrowable(ErrorDetails.refusal(status.getCode(), reasonOf(status.getCode()),
                    String.valueOf(status.getDescription())));
        }
        trailers.discardAll(DETAILS);
        trailers.put(DETAILS, clipped(details));
        return new StatusRuntimeException(status.getDescription() == null ? status
                : status.withDescription(wire(status.getDescription())), trailers);
    }

    /** Ends {@code call} with {@code refusal}, its message and details as {@link #toWire} makes them. */
    static void close(io.grpc.ServerCall<?, ?> call, StatusRuntimeException refusal) {
        StatusRuntimeException wire = toWire(refusal, call.getMethodDescriptor().getFullMethodName());
        call.close(wire.getStatus(), wire.getTrailers());
    }

    /** The details trailer's key, as grpc-java's StatusProto writes and reads it. */
    private static final Metadata.Key<com.google.rpc.Status> DETAILS = Metadata.Key.of(
            "grpc-status-details-bin", ProtoUtils.metadataMarshaller(com.google.rpc.Status.getDefaultInstance()));

    /** The details with their texts cut to {@link #DETAIL_MAX_BYTES}. */
    private static com.google.rpc.Status clipped(com.google.rpc.Status details) {
        com.google.rpc.Status.Builder clipped = details.toBuilder().setMessage(clip(details.getMessage()));
        for (int i = 0; i < clipped.getDetailsCount(); i++) {
            Any detail = clipped.getDetails(i);
            if (detail.is(BadRequest.class)) {
                try {
                    BadRequest.Builder request = detail.unpack(BadRequest.class).toBuilder();
                    request.getFieldViolationsBuilderList().forEach(violation -> violation
                            .setField(clip(violation.getField())).setDescription(clip(violation.getDescription())));
                    clipped.setDetails(i, Any.pack(request.build()));
                } catch (InvalidProtocolBufferException e) {
                    clipped.removeDetails(i--);
                }
            }
        }
        return clipped.build();
    }

    private static String clip(String text) {
        if (text.getBytes(StandardCharsets.UTF_8).length <= DETAIL_MAX_BYTES) {
            return text;
        }
        StringBuilder cut = new StringBuilder();
        int bytes = 0;
        for (int at = 0; at < text.length(); at = text.offsetByCodePoints(at, 1)) {
            String character = text.substring(at, text.offsetByCodePoints(at, 1));
            bytes += character.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > DETAIL_MAX_BYTES - 3) {
                break;
            }
            cut.append(character);
        }
        return cut.append("...").toString();
    }

    /**
     * The message as {@code grpc-message} carries it: percent-encoded, as the gRPC protocol requires
     * and clients decode (Helidon 4.5.0 writes a description as it is, so non-ASCII text reached
     * grpc-js clients broken), by grpc-java's own encoder; cut at a character boundary to fit
     * {@link #MESSAGE_MAX_BYTES}, marked with "...". (Helidon workaround (helidon-patches/README.md).)
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

    /** The reason a status made without details implies by its code. */
    private static Reason reasonOf(Status.Code code) {
        return switch (code) {
            case INVALID_ARGUMENT, OUT_OF_RANGE -> Reason.RULE_BROKEN;
            case NOT_FOUND -> Reason.NOT_FOUND;
            case ALREADY_EXISTS -> Reason.ALREADY_EXISTS;
            case FAILED_PRECONDITION -> Reason.PROTECTED;
            case UNAUTHENTICATED -> Reason.CREDENTIAL_MISSING;
            case PERMISSION_DENIED -> Reason.GRANT_MISSING;
            case RESOURCE_EXHAUSTED -> Reason.BUSY;
            case UNIMPLEMENTED -> Reason.ENCODING_UNSUPPORTED;
            case UNAVAILABLE -> Reason.UNAVAILABLE;
            case ABORTED -> Reason.CONCURRENT_CHANGE;
            case DEADLINE_EXCEEDED -> Reason.TIMEOUT;
            case CANCELLED -> Reason.CANCELLED;
            default -> Reason.INTERNAL;
        };
    }

    private static StatusRuntimeException refusal(Throwable failure, String method) {
        if (failure instanceof StatusRuntimeException refusal) {
            return refusal;
        }
        if (failure instanceof RuleViolation violation) {
            return ErrorDetails.refusal(Status.Code.INVALID_ARGUMENT, violation.getMessage(), Reason.RULE_BROKEN,
                    Map.of(), violation.argument(), violation.problem());
        }
        SQLException sql = sqlCause(failure);
        if (failure instanceof Database.DatabaseUnavailable || isConnectionFailure(sql)) {
            LOG.log(System.Logger.Level.WARNING, "{0}: database unavailable: {1}", method,
                    sql == null ? failure.getMessage() : sql.getMessage());
            return ErrorDetails.refusal(Status.Code.UNAVAILABLE, Reason.UNAVAILABLE,
                    "The knowledge database is unavailable; retry later.");
        }
        if (sql != null) {
            switch (String.valueOf(sql.getSQLState())) {
                case UNIQUE_VIOLATION -> {
                    return ErrorDetails.refusal(Status.Code.ALREADY_EXISTS, Reason.ALREADY_EXISTS,
                            "A concurrent change created the same name first; choose another name or retry.");
                }
                case FOREIGN_KEY_VIOLATION -> {
                    return ErrorDetails.refusal(Status.Code.NOT_FOUND, Reason.NOT_FOUND,
                            "A scope or entry this change refers to was deleted meanwhile; check the names and retry.");
                }
                case SERIALIZATION_FAILURE, DEADLOCK -> {
                    return ErrorDetails.refusal(Status.Code.ABORTED, Reason.CONCURRENT_CHANGE,
                            "A concurrent change conflicted with this one; retry.");
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
        return ErrorDetails.refusal(Status.Code.INTERNAL, "Internal error in knowledge-service (reference " + reference
                + "); the service log has the details.", Reason.INTERNAL, Map.of(ErrorDetails.REFERENCE, reference),
                null, null);
    }

    /** Why PostgreSQL cancelled the call's statement: its deadline passed, its caller cancelled, or the ceiling. */
    static StatusRuntimeException cancelled(io.grpc.Context call) {
        if (call.getDeadline() != null && call.getDeadline().isExpired()) {
            return ErrorDetails.refusal(Status.Code.DEADLINE_EXCEEDED, Reason.TIMEOUT,
                    "The call's deadline passed while the database worked on it; retry with a longer deadline.");
        }
        if (call.isCancelled()) {
            return ErrorDetails.refusal(Status.Code.CANCELLED, Reason.CANCELLED, "The call was cancelled by its caller.");
        }
        return ErrorDetails.refusal(Status.Code.DEADLINE_EXCEEDED, Reason.TIMEOUT,
                "The database took longer than a statement may take (db.statement.timeout); retry, or narrow the request.");
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
