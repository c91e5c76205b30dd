package dev.kaizen.knowledge;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.kaizen.identity.Identity;
import dev.kaizen.runtime.ServiceRuntime;
import dev.kaizen.runtime.Tracing;
import io.grpc.ServerServiceDefinition;
import io.helidon.config.Config;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.grpc.GrpcReflectionFeature;
import io.helidon.webserver.grpc.GrpcRouting;

/**
 * knowledge-service, composed: PostgreSQL (pool, migrations, health, the search's statistics), semantic recall
 * (the embedding model, its workers and this replica's vector index), the kaizen.v1 gRPC
 * services with health and reflection on the gRPC port, and health and Prometheus metrics on the
 * admin port (/observe/health/live, /observe/health/ready, /observe/metrics).
 */
public final class KnowledgeServer {
    /** The classpath resource with every setting's default. */
    public static final String DEFAULTS = "knowledge-service.yaml";
    private static final System.Logger LOG = System.getLogger(KnowledgeServer.class.getName());

    private final Database database;
    private final DatabaseHealth health;
    private final SearchStatistics statistics;
    private final HistoryRetention retention;
    private final SemanticRecall semantic;
    private final WebServer server;

    private KnowledgeServer(Database database, DatabaseHealth health, SearchStatistics statistics,
                            HistoryRetention retention, SemanticRecall semantic, WebServer server) {
        this.database = database;
        this.health = health;
        this.statistics = statistics;
        this.retention = retention;
        this.semantic = semantic;
        this.server = server;
    }

    /** The service's configuration: {@code overrides}, environment variables, then {@value #DEFAULTS}. */
    public static Config config(Map<String, String> overrides) {
        return ServiceRuntime.config(DEFAULTS, overrides);
    }

    /** Connects to PostgreSQL, applies pending migrations and starts serving. */
    public static KnowledgeServer start(Config config) {
        Database database = Database.connect(config.get("db"));
        Migrations.apply(database, config.get("db.startup.wait").as(Duration.class).get());
        SemanticRecall semantic = SemanticRecall.start(database, config.get("semantic"));
        List<ServerServiceDefinition> services = List.of(
                new NamespaceService(database).bindService(),
                new ScopeService(database).bindService(),
                new KnowledgeService(database, semantic).bindService(),
                new ConfigService(database, semantic).bindService(),
                new AuditService(database).bindService());
        Identity identity = Identity.fromConfig(config.get("auth"));
        DatabaseHealth health = new DatabaseHealth(database,
                services.stream().map(service -> service.getServiceDescriptor().getName()).toList(),
                config.get("db.health.interval").as(Duration.class).get());

        GrpcRouting.Builder grpc = GrpcRouting.builder();
        if (Tracing.current().enabled()) {
            grpc.intercept(new GrpcTracing(Tracing.current()));
        }
        grpc.intercept(new GrpcMetrics())
                // who calls, before the call takes any resource
                .intercept(new Authentication(identity))
                .intercept(new UnreadRequests(config.get("server.protocols.grpc.max-read-buffer-size").asInt().get()))
                // as many calls at work as the pool has connections: none of them waits for one
                .intercept(new CallLimits(config.get("db.pool.size").asInt().get(),
                        config.get("calls.queue-wait").as(Duration.class).get()));
        services.forEach(service -> grpc.service(Rpc.protoFile(service), () -> service));
        grpc.service(health.grpcService());

        WebServer webServer = (semantic == null ? ServiceRuntime.webServer(config, health.readiness())
                : ServiceRuntime.webServer(config, health.readiness(), semantic.health()))
                .addRouting(grpc)
                .addFeature(GrpcReflectionFeature.builder()
                        .enabled(true)
                        .addSocket(WebServer.DEFAULT_SOCKET_NAME)
                        .build())
                .build()
                .start();
        LOG.log(System.Logger.Level.INFO, "knowledge-service serving gRPC on port {0}, health and metrics on port {1}; {2}",
                String.valueOf(webServer.port()), String.valueOf(webServer.port(ServiceRuntime.ADMIN_SOCKET)), identity);
        if (semantic != null) {
            semantic.begin();
        }
        SearchStatistics statistics = new SearchStatistics(database,
                config.get("search-statistics.interval").as(Duration.class).get());
        HistoryRetention retention = new HistoryRetention(database,
                config.get("history.retention-interval").as(Duration.class).get());
        return new KnowledgeServer(database, health, statistics, retention, semantic, webServer);
    }

    public int grpcPort() {
        return server.port();
    }

    public int adminPort() {
        return server.port(ServiceRuntime.ADMIN_SOCKET);
    }

    /**
     * Stops gracefully: readiness turns false, the server stops accepting, calls in flight finish
     * within the shutdown grace period, then the pool closes.
     */
    public void stop() {
        health.stopping();
        server.stop();
        health.close();
        statistics.close();
        retention.close();
        if (semantic != null) {
            semantic.close();
        }
        database.close();
        LOG.log(System.Logger.Level.INFO, "knowledge-service stopped");
    }
}
