package dev.kaizen.gateway;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import dev.kaizen.identity.Identity;
import dev.kaizen.runtime.ServiceRuntime;
import io.helidon.config.Config;
import io.helidon.health.HealthCheckResponse;
import io.helidon.webserver.WebServer;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpStatelessSyncServer;

/**
 * mcp-gateway over HTTP, composed: the gRPC client of knowledge-service, the stateless MCP server
 * with Kaizen's tools and prompts on {@code POST /mcp}, and health and Prometheus metrics on the
 * admin port (/observe/health/live, /observe/health/ready, /observe/metrics).
 */
public final class GatewayServer {
    /** The classpath resource with every setting's default. */
    public static final String DEFAULTS = "mcp-gateway.yaml";
    private static final System.Logger LOG = System.getLogger(GatewayServer.class.getName());

    private final KaizenApi api;
    private final McpStatelessSyncServer mcp;
    private final WebServer server;

    private GatewayServer(KaizenApi api, McpStatelessSyncServer mcp, WebServer server) {
        this.api = api;
        this.mcp = mcp;
        this.server = server;
    }

    /** The gateway's configuration: {@code overrides}, environment variables, then {@value #DEFAULTS}. */
    public static Config config(Map<String, String> overrides) {
        return ServiceRuntime.config(DEFAULTS, overrides);
    }

    public static GatewayServer start(Config config) {
        KaizenApi api = client(config);
        McpJsonMapper json = McpJsonDefaults.getMapper();
        Identity identity = Identity.fromConfig(config.get("auth"));
        StreamableHttpTransport transport = new StreamableHttpTransport(json,
                list(config, "mcp.origins"),
                identity,
                new RateLimits(config.get("mcp.rate-limit.per-second").asDouble().get(),
                        config.get("mcp.rate-limit.burst").asDouble().get()),
                config.get("mcp.concurrency.limit").asInt().get(),
                config.get("mcp.concurrency.queue-wait").as(Duration.class).get());
        McpStatelessSyncServer mcp = McpServers.stateless(transport, json, new ToolCalls(api, json), KaizenTools.all(), api);

        WebServer webServer = ServiceRuntime.webServer(config, ServiceRuntime.readiness("knowledge-service",
                        () -> HealthCheckResponse.builder().status(api.serviceAnswers()).build()))
                .maxPayloadSize(config.get("mcp.body.limit").asLong().get())
                .routing(routing -> routing.register(transport))
                .build()
                .start();
        LOG.log(System.Logger.Level.INFO, "mcp-gateway serving MCP on http://{0}:{1}{2}, health and metrics on port {3}; {4}",
                config.get("server.host").asString().get(), String.valueOf(webServer.port()),
                StreamableHttpTransport.ENDPOINT, String.valueOf(webServer.port(ServiceRuntime.ADMIN_SOCKET)), identity);
        return new GatewayServer(api, mcp, webServer);
    }

    static KaizenApi client(Config config) {
        Config retry = config.get("service.retry");
        return new KaizenApi(config.get("service.target").asString().get(),
                config.get("service.timeout").as(Duration.class).get(),
                new KaizenApi.Retries(retry.get("max-attempts").asInt().get(),
                        retry.get("initial-backoff").as(Duration.class).get(),
                        retry.get("max-backoff").as(Duration.class).get()),
                config.get("service.token").asString().get());
    }

    private static List<String> list(Config config, String key) {
        return Arrays.stream(config.get(key).asString().get().split(","))
                .map(String::strip).filter(item -> !item.isEmpty()).toList();
    }

    public int port() {
        return server.port();
    }

    public int adminPort() {
        return server.port(ServiceRuntime.ADMIN_SOCKET);
    }

    /** Stops gracefully: no new connections, calls in flight finish within the grace period, then the channel closes. */
    public void stop() {
        mcp.closeGracefully();
        server.stop();
        api.close();
        LOG.log(System.Logger.Level.INFO, "mcp-gateway stopped");
    }
}
