package dev.kaizen.gateway;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import dev.kaizen.api.Headers;
import dev.kaizen.api.v1.AuditServiceGrpc;
import dev.kaizen.api.v1.ConfigServiceGrpc;
import dev.kaizen.api.v1.KnowledgeServiceGrpc;
import dev.kaizen.api.v1.NamespaceServiceGrpc;
import dev.kaizen.api.v1.ScopeServiceGrpc;
import dev.kaizen.runtime.Tracing;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;

/**
 * The gateway's gRPC client of knowledge-service: a channel to a {@code dns:///} target with
 * client-side round-robin over every address the name resolves to, a deadline on every call, and
 * the RPCs the protos mark free of side effects retried on UNAVAILABLE with exponential backoff.
 * Stubs are handed out per call so each gets a fresh deadline.
 * <p>
 * Each call carries the credential of the MCP caller it is made for (see {@link Caller}), or over
 * stdio the gateway's own ({@code service.token}).
 * <p>
 * A watchdog keeps a wedged connection from lasting: when {@value #TIMEOUTS_BEFORE_CHECK} calls in a
 * row run out of time, it asks knowledge-service's health over a new connection, and if the service
 * answers SERVING there, the new connection replaces the old one.
 */
final class KaizenApi implements AutoCloseable {
    static final int TIMEOUTS_BEFORE_CHECK = 3;
    private static final System.Logger LOG = System.getLogger(KaizenApi.class.getName());
    private static final Duration HEALTH_DEADLINE = Duration.ofSeconds(2);

    private final String target;
    private final Duration deadline;
    private final Retries retries;
    /** The gateway's own credential ("Bearer ..."), for calls made for no MCP HTTP caller (stdio); null for none. */
    private final String ownCredential;
    private final AtomicInteger timeoutsInARow = new AtomicInteger();
    private final AtomicBoolean checking = new AtomicBoolean();
    private volatile ManagedChannel channel;
    /** What the stubs call: the current channel, watched. */
    private final Channel calls = new Channel() {
        @Override
        public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions options) {
            return new Watched<>(channel.newCall(method, options));
        }

        @Override
        public String authority() {
            return channel.authority();
        }
    };

    /** How calls free of side effects are retried on UNAVAILABLE ({@code service.retry}). */
    record Retries(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
    }

    KaizenApi(String target, Duration deadline, Retries retries, String token) {
        this.target = target;
        this.deadline = deadline;
        this.retries = retries;
        this.ownCredential = token == null || token.isBlank() ? null : "Bearer " + token.strip();
        this.channel = connect(target);
    }

    private ManagedChannel connect(String target) {
        ManagedChannelBuilder<?> builder = ManagedChannelBuilder.forTarget(target)
                .usePlaintext()
                .defaultServiceConfig(serviceConfig(retries))
                .enableRetry();
        if (Tracing.current().enabled()) {
            builder.intercept(new GrpcClientTracing(Tracing.current()));
        }
        return builder.build();
    }

    /** Round-robin, and retries on UNAVAILABLE for every RPC whose proto says it has no side effects. */
    private static Map<String, Object> serviceConfig(Retries retries) {
        List<Map<String, Object>> safe = Stream.of(NamespaceServiceGrpc.getServiceDescriptor(),
                        ScopeServiceGrpc.getServiceDescriptor(), KnowledgeServiceGrpc.getServiceDescriptor(),
                        ConfigServiceGrpc.getServiceDescriptor(), AuditServiceGrpc.getServiceDescriptor(),
                        HealthGrpc.getServiceDescriptor())
                .flatMap(service -> service.getMethods().stream())
                .filter(method -> method.isSafe() || method.getServiceName().equals(HealthGrpc.SERVICE_NAME))
                .map(method -> Map.<String, Object>of("service", method.getServiceName(), "method", method.getBareMethodName()))
                .toList();
        return Map.of(
                "loadBalancingConfig", List.of(Map.of("round_robin", Map.of())),
                "methodConfig", List.of(Map.of(
                        "name", safe,
                        "retryPolicy", Map.of(
                                "maxAttempts", (double) retries.maxAttempts(),
                                "initialBackoff", seconds(retries.initialBackoff()),
                                "maxBackoff", seconds(retries.maxBackoff()),
                                "backoffMultiplier", 2.0,
                                "retryableStatusCodes", List.of("UNAVAILABLE")))));
    }

    /** A duration as gRPC's service config writes it: seconds with a fraction, and an 's'. */
    private static String seconds(Duration duration) {
        return java.math.BigDecimal.valueOf(duration.toNanos(), 9).stripTrailingZeros().toPlainString() + "s";
    }

    NamespaceServiceGrpc.NamespaceServiceBlockingStub namespaces() {
        return NamespaceServiceGrpc.newBlockingStub(calls).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    ScopeServiceGrpc.ScopeServiceBlockingStub scopes() {
        return ScopeServiceGrpc.newBlockingStub(calls).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    KnowledgeServiceGrpc.KnowledgeServiceBlockingStub knowledge() {
        return KnowledgeServiceGrpc.newBlockingStub(calls).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    AuditServiceGrpc.AuditServiceBlockingStub audit() {
        return AuditServiceGrpc.newBlockingStub(calls).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    ConfigServiceGrpc.ConfigServiceBlockingStub settings() {
        return ConfigServiceGrpc.newBlockingStub(calls).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Whether knowledge-service answers its health check as SERVING, within a short deadline. */
    boolean serviceAnswers() {
        try {
            return serving(calls);
        } catch (RuntimeException e) {
            reconnectNow();
            return false;
        }
    }

    private static boolean serving(Channel channel) {
        return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(HEALTH_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                .check(HealthCheckRequest.getDefaultInstance()).getStatus() == HealthCheckResponse.ServingStatus.SERVING;
    }

    /**
     * Skips the channel's reconnect backoff (which grows to minutes), so the next call reaches a
     * knowledge-service that has just come back instead of failing until the backoff expires.
     */
    void reconnectNow() {
        channel.resetConnectBackoff();
    }

    /** Counts calls that ran out of time in a row; any other outcome ends the run. */
    private void finished(Status status) {
        if (status.getCode() != Status.Code.DEADLINE_EXCEEDED) {
            timeoutsInARow.set(0);
        } else if (timeoutsInARow.incrementAndGet() >= TIMEOUTS_BEFORE_CHECK && checking.compareAndSet(false, true)) {
            Thread.ofVirtual().name("knowledge-service-watchdog").start(this::checkConnection);
        }
    }

    private void checkConnection() {
        ManagedChannel fresh = connect(target);
        try {
            if (serving(fresh)) {
                ManagedChannel wedged = channel;
                channel = fresh;
                fresh = null;
                wedged.shutdownNow();
                LOG.log(System.Logger.Level.WARNING, "{0} calls in a row to knowledge-service ran out of time while it "
                        + "answered its health check on a new connection: the old connection is replaced",
                        timeoutsInARow.get());
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "knowledge-service does not answer on a new connection either", e);
        } finally {
            if (fresh != null) {
                fresh.shutdownNow();
            }
            timeoutsInARow.set(0);
            checking.set(false);
        }
    }

    @Override
    public void close() {
        ManagedChannel current = channel;
        current.shutdown();
        try {
            if (!current.awaitTermination(5, TimeUnit.SECONDS)) {
                current.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            current.shutdownNow();
        }
    }

    /** A call whose outcome the watchdog counts. */
    private final class Watched<Q, R> extends ForwardingClientCall.SimpleForwardingClientCall<Q, R> {
        Watched(ClientCall<Q, R> call) {
            super(call);
        }

        @Override
        public void start(Listener<R> listener, Metadata headers) {
            // an HTTP caller's own credential, forwarded: knowledge-service enforces its grants
            String credential = Caller.current().map(Caller::authorization).orElse(ownCredential);
            if (credential != null) {
                headers.put(Headers.AUTHORIZATION, credential);
            }
            super.start(new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
                @Override
                public void onClose(Status status, Metadata trailers) {
                    finished(status);
                    super.onClose(status, trailers);
                }
            }, headers);
        }
    }
}
