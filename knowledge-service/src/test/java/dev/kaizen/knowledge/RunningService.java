package dev.kaizen.knowledge;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.kaizen.api.v1.ConfigServiceGrpc;
import dev.kaizen.api.v1.KnowledgeServiceGrpc;
import dev.kaizen.api.v1.NamespaceServiceGrpc;
import dev.kaizen.api.v1.ScopeServiceGrpc;
import dev.kaizen.testing.PostgresServer;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.helidon.config.Config;

/**
 * knowledge-service started for real on loopback ports against a real PostgreSQL, with a real gRPC
 * client channel to it.
 */
final class RunningService implements AutoCloseable {
    final KnowledgeServer server;
    final ManagedChannel channel;
    final NamespaceServiceGrpc.NamespaceServiceBlockingStub namespaces;
    final ScopeServiceGrpc.ScopeServiceBlockingStub scopes;
    final KnowledgeServiceGrpc.KnowledgeServiceBlockingStub knowledge;
    final ConfigServiceGrpc.ConfigServiceBlockingStub config;

    private RunningService(KnowledgeServer server) {
        this.server = server;
        this.channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
        this.namespaces = NamespaceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        this.scopes = ScopeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        this.knowledge = KnowledgeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        this.config = ConfigServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    /** Starts the service on a new database of the shared test PostgreSQL. */
    static RunningService onNewDatabase(String name) {
        PostgresServer postgres = PostgresServer.shared();
        return start(postgres.createDatabase(name), postgres, Map.of());
    }

    static RunningService start(String jdbcUrl, PostgresServer postgres, Map<String, String> extra) {
        return new RunningService(KnowledgeServer.start(config(jdbcUrl, postgres, extra)));
    }

    static Config config(String jdbcUrl, PostgresServer postgres, Map<String, String> extra) {
        Map<String, String> settings = new HashMap<>(Map.of(
                "server.host", "127.0.0.1",
                "server.port", "0",
                "admin.port", "0",
                "db.url", jdbcUrl,
                "db.user", postgres.user(),
                "db.password", postgres.password(),
                "db.health.interval", "PT0.5S",
                "shutdown.grace", "PT1S"));
        settings.putAll(extra);
        return KnowledgeServer.config(settings);
    }

    @Override
    public void close() {
        channel.shutdownNow();
        server.stop();
    }
}
