package dev.kaizen.api;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.BadRequest;
import com.google.rpc.ErrorInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;

/**
 * What a refusal of knowledge-service says to programs, beside its sentence for people: a
 * {@code google.rpc.ErrorInfo} whose reason says why (one of {@link Reason}, in the domain
 * {@value #DOMAIN}), and for a broken rule a {@code google.rpc.BadRequest} naming the field (a path
 * such as {@code entries[2].content}). They travel in the {@code grpc-status-details-bin} trailer
 * (gRPC's richer error model, read with {@link StatusProto}), so a caller decides by them and never
 * by the text of a message.
 */
public final class ErrorDetails {
    /** The ErrorInfo domain of every Kaizen reason. */
    public static final String DOMAIN = "kaizen.dev";
    /** ErrorInfo metadata of {@link Reason#GRANT_MISSING}: the grant scope (OAuth scope) that would allow the call. */
    public static final String REQUIRED_GRANT_SCOPE = "required_grant_scope";
    /** ErrorInfo metadata of {@link Reason#INTERNAL}: the reference of the log line with the details. */
    public static final String REFERENCE = "reference";

    /** Why a call was refused (ErrorInfo.reason). */
    public enum Reason {
        /** INVALID_ARGUMENT: an input rule is broken; BadRequest names the field. */
        RULE_BROKEN,
        /** INVALID_ARGUMENT: the request is not a protobuf message of the method, or not valid UTF-8. */
        UNREADABLE_REQUEST,
        /** NOT_FOUND: a namespace, scope or entry the request names does not exist (or may not be read). */
        NOT_FOUND,
        /** ALREADY_EXISTS: the name is taken. */
        ALREADY_EXISTS,
        /** FAILED_PRECONDITION: a protected namespace or scope (global, default scopes). */
        PROTECTED,
        /** FAILED_PRECONDITION: the change would make scopes inherit from themselves. */
        CYCLE,
        /** FAILED_PRECONDITION: the scope a version of an entry was in no longer exists; give a scope to restore into. */
        SCOPE_GONE,
        /** UNAUTHENTICATED: no valid credential. */
        CREDENTIAL_MISSING,
        /** PERMISSION_DENIED: a grant is missing; metadata {@value #REQUIRED_GRANT_SCOPE} names it. */
        GRANT_MISSING,
        /** RESOURCE_EXHAUSTED: the request message is larger than the service reads; send less per call. */
        REQUEST_TOO_LARGE,
        /** RESOURCE_EXHAUSTED: the service is busy; retry in about a second. */
        BUSY,
        /** UNIMPLEMENTED: the request is compressed with an encoding the service cannot read. */
        ENCODING_UNSUPPORTED,
        /** UNAVAILABLE: the database (or the identity provider) cannot be reached; retry later. */
        UNAVAILABLE,
        /** ABORTED: a concurrent change conflicted; retry. */
        CONCURRENT_CHANGE,
        /** DEADLINE_EXCEEDED: the call's deadline or the statement timeout passed. */
        TIMEOUT,
        /** CANCELLED: the caller cancelled. */
        CANCELLED,
        /** INTERNAL: a bug; metadata {@value #REFERENCE} names the log line. */
        INTERNAL
    }

    /** An index in a field path: {@code entries[2].content} has 2 for {@code entries}. */
    private static final Pattern INDEX = Pattern.compile("^([a-z_]+)\\[([0-9]+)\\]");

    private ErrorDetails() {
    }

    /**
     * A refusal with its details: {@code code} and {@code message} as the status, {@code reason}
     * with {@code metadata} as ErrorInfo, and, when {@code field} is given, a BadRequest field
     * violation of that field whose description is {@code problem} (the message without the field).
     */
    public static StatusRuntimeException refusal(Status.Code code, String message, Reason reason,
                                                 Map<String, String> metadata, String field, String problem) {
        com.google.rpc.Status.Builder status = com.google.rpc.Status.newBuilder()
                .setCode(code.value())
                .setMessage(message == null ? "" : message)
                .addDetails(Any.pack(ErrorInfo.newBuilder().setDomain(DOMAIN).setReason(reason.name())
                        .putAllMetadata(metadata).build()));
        if (field != null) {
            status.addDetails(Any.pack(BadRequest.newBuilder().addFieldViolations(BadRequest.FieldViolation.newBuilder()
                    .setField(field).setDescription(problem == null ? message : problem)).build()));
        }
        return StatusProto.toStatusRuntimeException(status.build());
    }

    /** A refusal for {@code reason} with no field and no metadata. */
    public static StatusRuntimeException refusal(Status.Code code, Reason reason, String message) {
        return refusal(code, message, reason, Map.of(), null, null);
    }

    /** The reason a refusal gives, if it is one of Kaizen's. */
    public static Optional<Reason> reason(Throwable failure) {
        return errorInfo(failure).filter(info -> DOMAIN.equals(info.getDomain())).flatMap(info -> {
            try {
                return Optional.of(Reason.valueOf(info.getReason()));
            } catch (IllegalArgumentException unknown) {
                return Optional.empty(); // a reason newer than this client
            }
        });
    }

    /** Whether {@code failure} is a refusal for {@code reason}. */
    public static boolean is(Throwable failure, Reason reason) {
        return reason(failure).filter(reason::equals).isPresent();
    }

    /** The ErrorInfo metadata value under {@code key}. */
    public static Optional<String> metadata(Throwable failure, String key) {
        return errorInfo(failure).map(info -> info.getMetadataMap().get(key));
    }

    /** The field violations of a refusal, in order. */
    public static List<BadRequest.FieldViolation> fieldViolations(Throwable failure) {
        return details(failure, BadRequest.class).map(BadRequest::getFieldViolationsList).orElse(List.of());
    }

    /**
     * The index a field path gives its first part, when that part is {@code repeated}:
     * {@code index("entries[2].content", "entries")} is 2.
     */
    public static OptionalInt index(String fieldPath, String repeated) {
        Matcher matcher = INDEX.matcher(fieldPath);
        return matcher.find() && matcher.group(1).equals(repeated)
                ? OptionalInt.of(Integer.parseInt(matcher.group(2))) : OptionalInt.empty();
    }

    /** What a field path says below its first part: {@code "content"} for {@code entries[2].content}. */
    public static String below(String fieldPath) {
        int dot = fieldPath.indexOf('.');
        return dot < 0 ? fieldPath : fieldPath.substring(dot + 1);
    }

    private static Optional<ErrorInfo> errorInfo(Throwable failure) {
        return details(failure, ErrorInfo.class);
    }

    private static <T extends com.google.protobuf.Message> Optional<T> details(Throwable failure, Class<T> type) {
        com.google.rpc.Status status;
        try {
            status = StatusProto.fromThrowable(failure);
        } catch (IllegalArgumentException mismatch) {
            return Optional.empty(); // details whose code is not the status's: not to be trusted
        }
        if (status == null) {
            return Optional.empty();
        }
        for (Any detail : status.getDetailsList()) {
            if (detail.is(type)) {
                try {
                    return Optional.of(detail.unpack(type));
                } catch (InvalidProtocolBufferException broken) {
                    return Optional.empty();
                }
            }
        }
        return Optional.empty();
    }
}
