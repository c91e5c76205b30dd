package dev.kaizen.knowledge;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.kaizen.api.v1.ConfigServiceGrpc;
import dev.kaizen.api.v1.KnowledgeServiceGrpc;
import dev.kaizen.api.v1.NamespaceServiceGrpc;
import dev.kaizen.api.v1.ScopeServiceGrpc;
import dev.kaizen.stack.PostgresServer;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.helidon.config.Config;

/**
 * knowledge-service started in this JVM on loopback ports against a real PostgreSQL, configured as
 * its main method configures it (its defaults file, with the test's values first), with a real gRPC
 * client channel to it. Stubs are made per call, so each call gets a deadline of its own.
 */
final class RunningService implements AutoCloseable {
    private static final long DEADLINE_SECONDS = 30;
    final KnowledgeServer server;
    final ManagedChannel channel;
    private final String jdbcUrl;
    private final PostgresServer postgres;

    private RunningService(KnowledgeServer server, String jdbcUrl, PostgresServer postgres) {
        this.server = server;
        this.jdbcUrl = jdbcUrl;
        this.postgres = postgres;
        this.channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
    }

    /** Starts the service on a new database of the shared test PostgreSQL. */
    static RunningService onNewDatabase(String name) {
        PostgresServer postgres = PostgresServer.shared();
        return start(postgres.createDatabase(name), postgres, Map.of());
    }

    static RunningService start(String jdbcUrl, PostgresServer postgres, Map<String, String> extra) {
        return new RunningService(KnowledgeServer.start(config(jdbcUrl, postgres, extra)), jdbcUrl, postgres);
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

    NamespaceServiceGrpc.NamespaceServiceBlockingStub namespaces() {
        return NamespaceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    ScopeServiceGrpc.ScopeServiceBlockingStub scopes() {
        return ScopeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    KnowledgeServiceGrpc.KnowledgeServiceBlockingStub knowledge() {
        return KnowledgeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    ConfigServiceGrpc.ConfigServiceBlockingStub settings() {
        return ConfigServiceGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE_SECONDS, TimeUnit.SECONDS);
    }

    /** Runs SQL on the service's database directly, for what only an operator does (no RPC reaches it). */
    void sql(String statement) {
        try (Connection connection = DriverManager.getConnection(jdbcUrl, postgres.user(), postgres.password());
             Statement sql = connection.createStatement()) {
            sql.execute(statement);
        } catch (SQLException e) {
            throw new IllegalStateException(statement, e);
        }
    }

    /** The number the query {@code select} answers (its first column of its first row). */
    long sqlNumber(String select) {
        try (Connection connection = DriverManager.getConnection(jdbcUrl, postgres.user(), postgres.password());
             Statement sql = connection.createStatement(); var row = sql.executeQuery(select)) {
            row.next();
            return row.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(select, e);
        }
    }

    @Override
    public void close() {
        channel.shutdownNow();
        server.stop();
    }
}
