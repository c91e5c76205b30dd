package dev.kaizen.knowledge;


import dev.kaizen.runtime.LatencyTimers;
import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/** Times every RPC by method and status code: {@code kaizen_grpc_server_calls_seconds} in Prometheus. */
final class GrpcMetrics implements ServerInterceptor {
    private final LatencyTimers timers = new LatencyTimers("kaizen.grpc.server.calls",
            "gRPC calls served, by method and status code", "method", "code");

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                      ServerCallHandler<Q, R> next) {
        long start = System.nanoTime();
        String method = call.getMethodDescriptor().getFullMethodName();
        return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                timers.record(method, status.getCode().name(), start);
                super.close(status, trailers);
            }
        }, headers);
    }
}
