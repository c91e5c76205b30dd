package dev.kaizen.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

import dev.kaizen.gateway.GatewayServer;
import dev.kaizen.knowledge.KnowledgeServer;
import dev.kaizen.testing.PostgresServer;

/**
 * `./kaizen run`: an embedded PostgreSQL 17 whose data stays in {@code dataDirectory} between runs,
 * knowledge-service and mcp-gateway, in this one process, until Ctrl-C stops them in reverse order.
 */
final class LocalStack {
    static final String DATABASE = "kaizen";

    private LocalStack() {
    }

    static void run(Path dataDirectory, int postgresPort, int grpcPort, int grpcAdminPort, int mcpPort, int mcpAdminPort)
            throws Exception {
        Files.createDirectories(dataDirectory);
        System.out.println("Starting PostgreSQL 17 with data in " + dataDirectory.toAbsolutePath() + " ...");
        PostgresServer postgres = PostgresServer.embedded(dataDirectory, postgresPort);
        KnowledgeServer knowledge;
        GatewayServer gateway;
        try {
            postgres.ensureDatabase(DATABASE);
            knowledge = KnowledgeServer.start(Configs.knowledgeService(postgres.databaseUrl(DATABASE),
                    postgres.user(), postgres.password(), grpcPort, grpcAdminPort));
            try {
                gateway = GatewayServer.start(Configs.gateway("dns:///127.0.0.1:" + knowledge.grpcPort(),
                        mcpPort, mcpAdminPort));
            } catch (RuntimeException e) {
                knowledge.stop();
                throw e;
            }
        } catch (RuntimeException e) {
            postgres.close();
            throw e;
        }

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("Stopping Kaizen ...");
            gateway.stop();
            knowledge.stop();
            postgres.close();
            stopped.countDown();
        }, "kaizen-stop"));

        System.out.println();
        System.out.println("Kaizen is running. Ctrl-C stops it.");
        System.out.println("  MCP (Streamable HTTP):   http://127.0.0.1:" + gateway.port() + "/mcp"
                + "   (health and metrics: http://127.0.0.1:" + gateway.adminPort() + "/observe/health)");
        System.out.println("  knowledge-service gRPC:  127.0.0.1:" + knowledge.grpcPort()
                + "   (health and metrics: http://127.0.0.1:" + knowledge.adminPort() + "/observe/health)");
        System.out.println("  PostgreSQL:              " + postgres.databaseUrl(DATABASE));
        stopped.await();
    }
}
