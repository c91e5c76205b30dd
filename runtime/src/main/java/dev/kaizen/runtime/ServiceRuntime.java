package dev.kaizen.runtime;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import io.helidon.common.socket.SocketOptions;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.health.HealthCheckType;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.observe.ObserveFeature;
import io.helidon.webserver.observe.health.HealthObserver;
import io.helidon.webserver.observe.health.HealthObserverConfig;
import io.helidon.webserver.observe.metrics.MetricsObserver;

/** How each Kaizen service reads its configuration and builds its web server: the same way, written once. */
public final class ServiceRuntime {
    /** Latency histogram buckets of the services' timers, 5 ms to 10 s (dashboard and alerts read them). */
    public static final Duration[] LATENCY_BUCKETS = java.util.stream.LongStream.of(5, 10, 25, 50, 100, 250, 500, 1000, 2500,
            5000, 10000).mapToObj(Duration::ofMillis).toArray(Duration[]::new);

    /** The socket that serves health and metrics, apart from the service's API. */
    public static final String ADMIN_SOCKET = "admin";

    /** The defaults of the settings both services share (auth, shutdown). */
    public static final String SHARED_DEFAULTS = "kaizen.yaml";

    private ServiceRuntime() {
    }

    /**
     * A service's configuration: {@code overrides} (for tests and tools), then environment variables
     * ({@code DB_POOL_SIZE} for {@code db.pool.size}), then system properties, then the defaults in
     * the classpath resource {@code defaults} and, for the settings both services share,
     * {@value #SHARED_DEFAULTS}: the one place each default is written.
     */
    public static Config config(String defaults, Map<String, String> overrides) {
        return Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .sources(List.of(() -> ConfigSources.create(overrides).build(), ConfigSources::environmentVariables,
                        () -> ConfigSources.systemProperties().build(), () -> ConfigSources.classpath(defaults).build(), () -> ConfigSources.classpath(SHARED_DEFAULTS).build()))
                .build();
    }

    /** A readiness check named {@code name} that answers what {@code check} says. */
    public static HealthCheck readiness(String name, Supplier<HealthCheckResponse> check) {
        return new HealthCheck() {
            @Override
            public HealthCheckType type() {
                return HealthCheckType.READINESS;
            }

            @Override
            public String name() {
                return name;
            }

            @Override
            public HealthCheckResponse call() {
                return check.get();
            }
        };
    }

    private static boolean up(HealthCheck check) {
        try {
            return check.call().status() == HealthCheckResponse.Status.UP;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * A web server on {@code server.host}/{@code server.port}, with {@code admin.port} serving
     * /observe/health/live, /observe/health/ready (answered by the {@code readiness} checks) and Prometheus
     * metrics at /observe/metrics, small frames sent at once, and calls in flight given
     * {@code shutdown.grace} on stop. The service adds its own routing.
     */
    public static WebServerConfig.Builder webServer(Config config, HealthCheck... readiness) {
        Config server = config.get("server");
        HealthObserverConfig.Builder health = HealthObserver.builder().details(true);
        for (HealthCheck check : readiness) {
            health.addCheck(check);
            // readiness as a metric too, for the not-ready alert: kaizen_ready{check} 1 or 0
            Metrics.globalRegistry().getOrCreate(Gauge.builder("kaizen.ready", () -> up(check) ? 1 : 0)
                    .description("1 while the readiness check answers UP, else 0")
                    .tags(List.of(Tag.create("check", check.name()))));
        }
        return WebServer.builder()
                .config(server)
                .shutdownHook(false)
                .featuresDiscoverServices(false)
                // small frames must not wait for Nagle's algorithm (40 ms per call otherwise)
                .connectionOptions(SocketOptions.builder().tcpNoDelay(true).build())
                .shutdownGracePeriod(config.get("shutdown.grace").as(Duration.class).get())
                .putSocket(ADMIN_SOCKET, socket -> socket
                        .host(server.get("host").asString().get())
                        .port(config.get("admin.port").asInt().get()))
                .addFeature(ObserveFeature.builder()
                        .sockets(List.of(ADMIN_SOCKET))
                        .addObserver(health.build())
                        .addObserver(MetricsObserver.create())
                        .build());
    }
}
