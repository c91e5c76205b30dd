package dev.kaizen.stack;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Kaizen pair as deployed, on one machine: knowledge-service on a PostgreSQL database and
 * mcp-gateway in front of it, each a {@link ServiceProcess} started from its packaged jar. The one
 * way to start the services together: for {@code ./kaizen run}, the benchmark and the end-to-end
 * tests.
 */
public final class Stack implements AutoCloseable {
    private static Stack shared;

    private final PostgresServer postgres;
    private final String databaseUrl;
    private final Path logs;
    private final Map<String, String> gatewayEnv;
    private final List<ServiceProcess> gateways = new ArrayList<>();
    private ServiceProcess knowledgeService;

    private Stack(Builder builder) {
        this.postgres = builder.postgres == null ? PostgresServer.shared() : builder.postgres;
        this.databaseUrl = builder.database == null ? postgres.createDatabase(builder.name)
                : postgres.ensureDatabase(builder.database);
        this.logs = builder.logs == null ? ServiceProcess.REPOSITORY.resolve("target").resolve("process-logs")
                .resolve(builder.name + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime()) : builder.logs;
        Map<String, String> serviceEnv = new HashMap<>(builder.serviceEnv);
        serviceEnv.put("DB_URL", databaseUrl);
        serviceEnv.put("DB_USER", postgres.user());
        serviceEnv.put("DB_PASSWORD", postgres.password());
        this.knowledgeService = ServiceProcess.start(ServiceProcess.KNOWLEDGE_SERVICE, serviceEnv,
                logs.resolve("knowledge-service.log"));
        this.gatewayEnv = builder.gatewayEnv;
        try {
            // both start at once: the gateway is ready as soon as knowledge-service answers
            ServiceProcess gateway = launchGateway(Map.of());
            gateways.add(gateway);
            knowledgeService.awaitReady();
            gateway.awaitReady();
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** A stack on a new database of the shared test PostgreSQL, with production settings. */
    public static Stack start(String name) {
        return builder(name).start();
    }

    /**
     * One stack shared by every test of this JVM that leaves the services running as they are
     * (its tests use names of their own); stopped at exit.
     */
    public static synchronized Stack shared() {
        if (shared == null) {
            shared = start("shared");
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
        }
        return shared;
    }

    public ServiceProcess knowledgeService() {
        return knowledgeService;
    }

    /** The first gateway. */
    public ServiceProcess gateway() {
        return gateways.getFirst();
    }

    /** Another gateway replica on the same knowledge-service, with {@code env} over the stack's settings. */
    public ServiceProcess startGateway(Map<String, String> env) {
        ServiceProcess gateway = launchGateway(env).awaitReady();
        gateways.add(gateway);
        return gateway;
    }

    private ServiceProcess launchGateway(Map<String, String> env) {
        Map<String, String> all = new HashMap<>(gatewayEnv);
        all.put("SERVICE_TARGET", "dns:///" + grpcTarget());
        all.putAll(env);
        return ServiceProcess.start(ServiceProcess.MCP_GATEWAY, all, logs.resolve("mcp-gateway-" + gateways.size() + ".log"));
    }

    /** Stops knowledge-service (SIGTERM, or SIGKILL when {@code crash}); it stays down until {@link #startKnowledgeService}. */
    public void stopKnowledgeService(boolean crash) {
        if (crash) {
            knowledgeService.kill();
        } else {
            knowledgeService.close();
        }
    }

    /** Starts knowledge-service again, on the same ports and database, and waits until it is ready. */
    public ServiceProcess startKnowledgeService() {
        knowledgeService = knowledgeService.restart().awaitReady();
        return knowledgeService;
    }

    /** {@code host:port} of knowledge-service's gRPC API. */
    public String grpcTarget() {
        return "127.0.0.1:" + knowledgeService.port();
    }

    /** The MCP endpoint of the first gateway. */
    public String mcpUrl() {
        return mcpUrl(gateway());
    }

    public static String mcpUrl(ServiceProcess gateway) {
        return "http://127.0.0.1:" + gateway.port() + "/mcp";
    }

    public PostgresServer postgres() {
        return postgres;
    }

    public String databaseUrl() {
        return databaseUrl;
    }

    /** Stops the gateways, then knowledge-service. */
    @Override
    public void close() {
        for (ServiceProcess gateway : gateways.reversed()) {
            gateway.close();
        }
        knowledgeService.close();
    }

    /** How a stack starts: its database, logs and the environment of each service. */
    public static final class Builder {
        private final String name;
        private PostgresServer postgres;
        private String database;
        private Path logs;
        private final Map<String, String> serviceEnv = new HashMap<>();
        private final Map<String, String> gatewayEnv = new HashMap<>();

        private Builder(String name) {
            this.name = name;
        }

        /** The PostgreSQL server (default: {@link PostgresServer#shared()}) and database (default: a new one). */
        public Builder postgres(PostgresServer server, String databaseName) {
            this.postgres = server;
            this.database = databaseName;
            return this;
        }

        /** Where the services' output goes (default: target/process-logs of the repository). */
        public Builder logs(Path folder) {
            this.logs = folder;
            return this;
        }

        /** Settings of knowledge-service as environment variables, e.g. SERVER_PORT or DB_POOL_SIZE. */
        public Builder knowledgeService(Map<String, String> env) {
            serviceEnv.putAll(env);
            return this;
        }

        /** Settings of mcp-gateway as environment variables, e.g. SERVER_PORT or AUTH_TOKENS. */
        public Builder gateway(Map<String, String> env) {
            gatewayEnv.putAll(env);
            return this;
        }

        public Stack start() {
            return new Stack(this);
        }
    }
}
