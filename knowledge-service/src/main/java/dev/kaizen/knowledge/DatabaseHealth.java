package dev.kaizen.knowledge;

import java.time.Duration;
import java.util.List;

import dev.kaizen.runtime.ServiceRuntime;
import io.grpc.BindableService;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;

/**
 * Readiness of knowledge-service: ready while PostgreSQL answers and the service is not shutting
 * down. A virtual thread probes the database every {@code interval}; HTTP readiness and the
 * standard grpc.health.v1 service both report the latest probe, so probes never wait on the
 * database themselves.
 */
final class DatabaseHealth implements AutoCloseable {
    private final Database database;
    private final List<String> services;
    private final HealthStatusManager grpcHealth = new HealthStatusManager();
    private final Thread prober;
    private volatile boolean databaseAnswers;
    private volatile boolean stopping;

    DatabaseHealth(Database database, List<String> services, Duration interval) {
        this.database = database;
        this.services = services;
        probe();
        this.prober = Thread.ofVirtual().name("database-health").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(interval);
                } catch (InterruptedException e) {
                    return;
                }
                probe();
            }
        });
    }

    private void probe() {
        databaseAnswers = database.answers();
        publish();
    }

    private synchronized void publish() {
        if (stopping) {
            return;
        }
        ServingStatus status = databaseAnswers ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
        grpcHealth.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, status);
        services.forEach(service -> grpcHealth.setStatus(service, status));
    }

    boolean ready() {
        return databaseAnswers && !stopping;
    }

    /** The HTTP readiness check (/observe/health/ready). */
    HealthCheck readiness() {
        return ServiceRuntime.readiness("database", () -> HealthCheckResponse.builder()
                .status(ready())
                .detail("database", databaseAnswers ? "answers" : "unreachable")
                .detail("stopping", stopping)
                .build());
    }

    /** The grpc.health.v1.Health service. */
    BindableService grpcService() {
        return grpcHealth.getHealthService();
    }

    /** From now on not ready, so load balancers stop sending new calls. */
    synchronized void stopping() {
        stopping = true;
        grpcHealth.enterTerminalState();
    }

    @Override
    public void close() {
        prober.interrupt();
    }
}
