package dev.kaizen.gateway;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.kaizen.api.v1.ConfigServiceGrpc;
import dev.kaizen.api.v1.KnowledgeServiceGrpc;
import dev.kaizen.api.v1.NamespaceServiceGrpc;
import dev.kaizen.api.v1.ScopeServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;

/**
 * The gateway's gRPC client of knowledge-service: one channel to a {@code dns:///} target with
 * client-side round-robin over every address the name resolves to, a deadline on every call, and
 * read-only calls retried on UNAVAILABLE with exponential backoff. Stubs are handed out per call so
 * each gets a fresh deadline.
 */
final class KnowledgeServiceClient implements AutoCloseable {
    /** Read-only RPCs: safe to retry. Everything that writes is tried once. */
    private static final List<Map<String, Object>> READ_ONLY = List.of(
            method("kaizen.v1.NamespaceService", "ListNamespaces"),
            method("kaizen.v1.KnowledgeService", "GetKnowledge"),
            method("kaizen.v1.KnowledgeService", "GetTaskContext"),
            method("kaizen.v1.ConfigService", "ListConfig"),
            method("grpc.health.v1.Health", "Check"));

    private final ManagedChannel channel;
    private final Duration deadline;

    KnowledgeServiceClient(String target, Duration deadline) {
        this.deadline = deadline;
        this.channel = ManagedChannelBuilder.forTarget(target)
                .usePlaintext()
                .defaultServiceConfig(serviceConfig())
                .enableRetry()
                .build();
    }

    private static Map<String, Object> serviceConfig() {
        return Map.of(
                "loadBalancingConfig", List.of(Map.of("round_robin", Map.of())),
                "methodConfig", List.of(Map.of(
                        "name", READ_ONLY,
                        "retryPolicy", Map.of(
                                "maxAttempts", 3.0,
                                "initialBackoff", "0.1s",
                                "maxBackoff", "1s",
                                "backoffMultiplier", 2.0,
                                "retryableStatusCodes", List.of("UNAVAILABLE")))));
    }

    private static Map<String, Object> method(String service, String method) {
        return Map.of("service", service, "method", method);
    }

    NamespaceServiceGrpc.NamespaceServiceBlockingStub namespaces() {
        return NamespaceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    ScopeServiceGrpc.ScopeServiceBlockingStub scopes() {
        return ScopeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    KnowledgeServiceGrpc.KnowledgeServiceBlockingStub knowledge() {
        return KnowledgeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    ConfigServiceGrpc.ConfigServiceBlockingStub config() {
        return ConfigServiceGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Whether knowledge-service answers its health check as SERVING, within a short deadline. */
    boolean serviceAnswers() {
        try {
            return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(Math.min(deadline.toMillis(), 2000),
                            TimeUnit.MILLISECONDS)
                    .check(HealthCheckRequest.getDefaultInstance()).getStatus() == HealthCheckResponse.ServingStatus.SERVING;
        } catch (RuntimeException e) {
            reconnectNow();
            return false;
        }
    }

    /**
     * Skips the channel's reconnect backoff (which grows to minutes), so the next call reaches a
     * knowledge-service that has just come back instead of failing until the backoff expires.
     */
    void reconnectNow() {
        channel.resetConnectBackoff();
    }

    @Override
    public void close() {
        channel.shutdown();
        try {
            if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
                channel.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            channel.shutdownNow();
        }
    }
}
