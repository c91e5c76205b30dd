package dev.kaizen.knowledge;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.grpc.ServerServiceDefinition;
import io.helidon.common.socket.SocketOptions;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.grpc.GrpcReflectionFeature;
import io.helidon.webserver.grpc.GrpcRouting;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.observe.metrics.MetricsObserver;

/**
 * knowledge-service, composed: PostgreSQL (pool, migrations, health), the four kaizen.v1 gRPC
 * services with health and reflection on the gRPC port, and health and Prometheus metrics on the
 * admin port (/observe/health/live, /observe/health/ready, /observe/metrics).
 */
public final class Server {
    /** The socket that serves health and metrics, apart from the gRPC API. */
    public static final String ADMIN_SOCKET = "admin";
    /** The classpath resource with every setting's default. */
    public static final String DEFAULTS = "knowledge-service.yaml";
    private static final System.Logger LOG = System.getLogger(Server.class.getName());

    private final Database database;
    private final DatabaseHealth health;
    private final WebServer server;

    private Server(Database database, DatabaseHealth health, WebServer server) {
        this.database = database;
        this.health = health;
        this.server = server;
    }

    /**
     * The service's configuration: {@code overrides} (for tests and tools), then environment
     * variables ({@code DB_POOL_SIZE} for {@code db.pool.size}), then system properties, then the
     * defaults in {@value #DEFAULTS}, the one place they are written.
     */
    public static Config config(Map<String, String> overrides) {
        return Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .sources(List.of(() -> ConfigSources.create(overrides).build(), ConfigSources::environmentVariables,
                        () -> ConfigSources.systemProperties().build(), () -> ConfigSources.classpath(DEFAULTS).build()))
                .build();
    }

    /** Connects to PostgreSQL, applies pending migrations and starts serving. */
    public static Server start(Config config) {
        Database database = Database.connect(config.get("db"));
        Migrations.apply(database, config.get("db.startup.wait").as(Duration.class).get());
        List<ServerServiceDefinition> services = List.of(
                new NamespaceService(database).bindService(),
                new ScopeService(database).bindService(),
                new KnowledgeService(database).bindService(),
                new ConfigService(database).bindService());
        DatabaseHealth health = new DatabaseHealth(database,
                services.stream().map(service -> service.getServiceDescriptor().getName()).toList(),
                config.get("db.health.interval").as(Duration.class).get());

        GrpcRouting.Builder grpc = GrpcRouting.builder()
                .intercept(new GrpcMetrics())
                .intercept(new UnreadRequests(config.get("server.protocols.grpc.max-read-buffer-size").asInt().get()));
        services.forEach(service -> grpc.service(Rpc.protoFile(service), () -> service));
        grpc.service(health.grpcService());

        Config server = config.get("server");
        WebServer webServer = WebServer.builder()
                .config(server)
                .shutdownHook(false)
                .featuresDiscoverServices(false)
                // small gRPC frames must not wait for Nagle's algorithm (40 ms per call otherwise)
                .connectionOptions(SocketOptions.builder().tcpNoDelay(true).build())
                .shutdownGracePeriod(config.get("shutdown.grace").as(Duration.class).get())
                .addRouting(grpc)
                .putSocket(ADMIN_SOCKET, socket -> socket
                        .host(server.get("host").asString().get())
                        .port(config.get("admin.port").asInt().get()))
                .addFeature(GrpcReflectionFeature.builder()
                        .enabled(true)
                        .addSocket(WebServer.DEFAULT_SOCKET_NAME)
                        .build())
                .addFeature(ObserveFeature.builder()
                        .sockets(List.of(ADMIN_SOCKET))
                        .addObserver(HealthObserver.builder()
                                .details(true)
                                .addCheck(health.readiness())
                                .build())
                        .addObserver(MetricsObserver.create())
                        .build())
                .build()
                .start();
        LOG.log(System.Logger.Level.INFO, "knowledge-service serving gRPC on port {0}, health and metrics on port {1}",
                String.valueOf(webServer.port()), String.valueOf(webServer.port(ADMIN_SOCKET)));
        return new Server(database, health, webServer);
    }

    public int grpcPort() {
        return server.port();
    }

    public int adminPort() {
        return server.port(ADMIN_SOCKET);
    }

    /**
     * Stops gracefully: readiness turns false, the server stops accepting, calls in flight finish
     * within the shutdown grace period, then the pool closes.
     */
    public void stop() {
        health.stopping();
        server.stop();
        health.close();
        database.close();
        LOG.log(System.Logger.Level.INFO, "knowledge-service stopped");
    }
}
