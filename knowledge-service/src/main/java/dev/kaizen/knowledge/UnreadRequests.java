package dev.kaizen.knowledge;

import java.util.Set;

import dev.kaizen.api.ErrorDetails;
import dev.kaizen.api.ErrorDetails.Reason;
import dev.kaizen.api.Rules;

import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * Answers the calls whose request Helidon 4.5.0 gives up reading: a message larger than
 * {@code server.protocols.grpc.max-read-buffer-size}, or compressed with an encoding it cannot
 * decompress. Helidon then only logs and cancels the call's listener, and the caller would wait for
 * its deadline; here the call gets a status at once instead. (Helidon workaround (helidon-patches/README.md).)
 */
final class UnreadRequests implements ServerInterceptor {
    private static final Metadata.Key<String> ENCODING = Metadata.Key.of("grpc-encoding", Metadata.ASCII_STRING_MARSHALLER);
    private static final Set<String> ENCODINGS = Set.of("identity", "gzip");

    private final int maxMessageBytes;

    UnreadRequests(int maxMessageBytes) {
        this.maxMessageBytes = maxMessageBytes;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String encoding = headers.get(ENCODING);
        StatusRuntimeException unread = encoding != null && !ENCODINGS.contains(encoding)
                ? ErrorDetails.refusal(Status.Code.UNIMPLEMENTED, Reason.ENCODING_UNSUPPORTED, "The request is "
                        + "compressed with " + Rules.quote(encoding) + ", which this service cannot read: send it with "
                        + "gzip or uncompressed.")
                : ErrorDetails.refusal(Status.Code.RESOURCE_EXHAUSTED, Reason.REQUEST_TOO_LARGE, "The request message "
                        + "is larger than the " + maxMessageBytes / (1024 * 1024) + " MiB this service reads: send less "
                        + "per call (for ImportKnowledge, fewer entries per batch).");
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
            private boolean received;

            @Override
            public void onMessage(Q message) {
                received = true;
                super.onMessage(message);
            }

            @Override
            public void onCancel() {
                super.onCancel();
                // cancelled before any message arrived, though the caller did not cancel: Helidon gave up reading
                if (!received && !call.isCancelled()) {
                    try {
                        Failures.close(call, unread);
                    } catch (RuntimeException e) {
                        // the stream is gone after all: nobody is waiting for the answer
                    }
                }
            }
        };
    }
}
