package dev.kaizen.gateway;

import java.util.EnumSet;
import java.util.Set;

import dev.kaizen.runtime.Tracing;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapSetter;

/**
 * A client span per call to knowledge-service made within an MCP request's span, its context sent
 * as the W3C {@code traceparent} metadata so that knowledge-service's spans join the trace.
 * Installed only when tracing is on; calls made outside a request (readiness checks) are not traced.
 */
final class GrpcClientTracing implements ClientInterceptor {
    private static final Set<Status.Code> ERRORS = EnumSet.of(Status.Code.UNKNOWN, Status.Code.DEADLINE_EXCEEDED,
            Status.Code.UNIMPLEMENTED, Status.Code.INTERNAL, Status.Code.UNAVAILABLE, Status.Code.DATA_LOSS,
            Status.Code.RESOURCE_EXHAUSTED);
    private static final TextMapSetter<Metadata> METADATA = (carrier, key, value) ->
            carrier.put(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER), value);

    private final Tracing tracing;
    private final Tracer tracer;

    GrpcClientTracing(Tracing tracing) {
        this.tracing = tracing;
        this.tracer = tracing.tracer("dev.kaizen.gateway");
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        Context parent = Context.current();
        if (!Span.fromContext(parent).getSpanContext().isValid()) {
            return next.newCall(method, options);
        }
        Span span = tracer.spanBuilder(method.getFullMethodName())
                .setParent(parent)
                .setSpanKind(SpanKind.CLIENT)
                .setAttribute("rpc.system", "grpc")
                .setAttribute("rpc.service", method.getServiceName())
                .setAttribute("rpc.method", method.getBareMethodName())
                .startSpan();
        Context context = parent.with(span);
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
            @Override
            public void start(Listener<R> listener, Metadata headers) {
                tracing.propagator().inject(context, headers, METADATA);
                super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                    @Override
                    public void onClose(Status status, Metadata trailers) {
                        span.setAttribute("rpc.grpc.status_code", status.getCode().value());
                        if (ERRORS.contains(status.getCode())) {
                            span.setStatus(StatusCode.ERROR, status.getCode().name());
                        }
                        span.end();
                        super.onClose(status, trailers);
                    }
                }, headers);
            }

            @Override
            public void cancel(String message, Throwable cause) {
                span.setStatus(StatusCode.ERROR, "CANCELLED");
                super.cancel(message, cause);
            }
        };
    }
}
