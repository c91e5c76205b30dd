package dev.kaizen.knowledge;

import java.util.EnumSet;
import java.util.Set;

import dev.kaizen.runtime.Tracing;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;

/**
 * A server span per kaizen.v1 call, continuing the caller's trace from its {@code traceparent}
 * metadata, current while the call's handler runs so that its SQL spans ({@link SqlTracing}) are its
 * children. Attributes as OpenTelemetry's RPC conventions name them; never a request's content.
 * Installed only when tracing is on. Health checks and reflection are not traced.
 */
final class GrpcTracing implements ServerInterceptor {
    /** The codes OpenTelemetry counts as a server's error (the others are the caller's). */
    private static final Set<Status.Code> SERVER_ERRORS = EnumSet.of(Status.Code.UNKNOWN, Status.Code.DEADLINE_EXCEEDED,
            Status.Code.UNIMPLEMENTED, Status.Code.INTERNAL, Status.Code.UNAVAILABLE, Status.Code.DATA_LOSS);
    private static final TextMapGetter<Metadata> METADATA = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Metadata carrier) {
            return carrier.keys();
        }

        @Override
        public String get(Metadata carrier, String key) {
            return carrier == null ? null : carrier.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
        }
    };

    private final Tracing tracing;
    private final Tracer tracer;

    GrpcTracing(Tracing tracing) {
        this.tracing = tracing;
        this.tracer = tracing.tracer("dev.kaizen.knowledge");
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String service = call.getMethodDescriptor().getServiceName();
        if (service == null || !service.startsWith("kaizen.")) {
            return next.startCall(call, headers);
        }
        Context parent = tracing.propagator().extract(Context.root(), headers, METADATA);
        Span span = tracer.spanBuilder(call.getMethodDescriptor().getFullMethodName())
                .setParent(parent)
                .setSpanKind(SpanKind.SERVER)
                .setAttribute("rpc.system", "grpc")
                .setAttribute("rpc.service", service)
                .setAttribute("rpc.method", call.getMethodDescriptor().getBareMethodName())
                .startSpan();
        Context context = parent.with(span);
        ServerCall<Q, R> traced = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                span.setAttribute("rpc.grpc.status_code", status.getCode().value());
                if (SERVER_ERRORS.contains(status.getCode())) {
                    span.setStatus(StatusCode.ERROR, status.getCode().name());
                }
                try {
                    super.close(status, trailers);
                } finally {
                    span.end();
                }
            }
        };
        ServerCall.Listener<Q> listener;
        try (Scope ignored = context.makeCurrent()) {
            listener = next.startCall(traced, headers);
        }
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onMessage(Q message) {
                try (Scope ignored = context.makeCurrent()) {
                    super.onMessage(message);
                }
            }

            @Override
            public void onHalfClose() {
                try (Scope ignored = context.makeCurrent()) {
                    super.onHalfClose();
                }
            }

            @Override
            public void onCancel() {
                try (Scope ignored = context.makeCurrent()) {
                    super.onCancel();
                }
            }

            @Override
            public void onComplete() {
                try (Scope ignored = context.makeCurrent()) {
                    super.onComplete();
                }
            }

            @Override
            public void onReady() {
                try (Scope ignored = context.makeCurrent()) {
                    super.onReady();
                }
            }
        };
    }
}
