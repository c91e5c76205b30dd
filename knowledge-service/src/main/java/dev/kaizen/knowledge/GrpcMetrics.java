package dev.kaizen.knowledge;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.grpc.ForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import dev.kaizen.server.Servers;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;

/** Times every RPC by method and status code: {@code kaizen_grpc_server_calls_seconds} in Prometheus. */
final class GrpcMetrics implements ServerInterceptor {
    /** One timer per method and status code, looked up in the registry once. */
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                      ServerCallHandler<Q, R> next) {
        long start = System.nanoTime();
        String method = call.getMethodDescriptor().getFullMethodName();
        return next.startCall(new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
            @Override
            public void close(Status status, Metadata trailers) {
                String code = status.getCode().name();
                timers.computeIfAbsent(method + "/" + code, key -> Metrics.globalRegistry()
                                .getOrCreate(Timer.builder("kaizen.grpc.server.calls")
                                        .description("gRPC calls served, by method and status code")
                                        // histogram buckets: p95 over every replica in PromQL (histogram_quantile)
                                        .buckets(Servers.LATENCY_BUCKETS)
                                        .tags(List.of(Tag.create("method", method), Tag.create("code", code)))))
                        .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
                super.close(status, trailers);
            }
        }, headers);
    }
}
