package dev.kaizen.system;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.kaizen.api.v1.CreateNamespaceRequest;
import dev.kaizen.api.v1.KnowledgeServiceGrpc;
import dev.kaizen.api.v1.NamespaceServiceGrpc;
import dev.kaizen.api.v1.WriteKnowledgeRequest;
import dev.kaizen.api.v1.WriteKnowledgeResponse;
import dev.kaizen.stack.PostgresServer;
import dev.kaizen.stack.Await;
import dev.kaizen.stack.ServiceProcess;
import dev.kaizen.stack.Stack;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SIGTERM, as Kubernetes sends it: each service stops accepting, lets the call in flight finish and
 * exits. The call is held in flight by a table lock taken from a second database connection.
 */
class GracefulShutdownTest {
    private static final Duration WITHIN = Duration.ofSeconds(20);
    private final PostgresServer postgres = PostgresServer.shared();

    @Test
    void knowledgeServiceFinishesTheCallInFlightThenExits() throws Exception {
        String database = postgres.createDatabase("graceful_service");
        try (ServiceProcess service = ServiceProcess.start(ServiceProcess.KNOWLEDGE_SERVICE, Map.of(
                "DB_URL", database, "DB_USER", postgres.user(), "DB_PASSWORD", postgres.password(),
                "SHUTDOWN_GRACE", "PT15S")).awaitReady()) {
            ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", service.port()).usePlaintext().build();
            NamespaceServiceGrpc.newBlockingStub(channel).createNamespace(CreateNamespaceRequest.newBuilder()
                    .setName("drain").setDescription("Drain test").build());
            CompletableFuture<WriteKnowledgeResponse> inFlight;
            try (Connection lock = lockKnowledge(database)) {
                inFlight = CompletableFuture.supplyAsync(() -> KnowledgeServiceGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(30, TimeUnit.SECONDS)
                        .writeKnowledge(WriteKnowledgeRequest.newBuilder().setScope("drain:default")
                                .setContent("Written while stopping.").setContext("shutdown").build()));
                Await.until("the write waits for the lock", WITHIN, () -> postgres.waitingForLocks(database) == 1);
                service.process().destroy();
                Await.until("not ready while stopping (503, or no longer listening)", WITHIN, () -> {
                    int ready = service.status("/observe/health/ready");
                    return ready == 503 || ready == -1;
                });
                assertTrue(service.process().isAlive(), "still draining the call in flight");
                lock.rollback();
            }
            assertTrue(inFlight.get(20, TimeUnit.SECONDS).getId() > 0, "the call in flight completed");
            assertTrue(service.process().waitFor(20, TimeUnit.SECONDS), "the process exits");
            assertEquals(143, service.process().exitValue(), "exit after SIGTERM and the shutdown hooks");
            channel.shutdownNow();
        }
    }

    @Test
    void gatewayFinishesTheToolCallInFlightThenExits() throws Exception {
        try (Stack stack = Stack.builder("graceful_gateway")
                .gateway(Map.of("SERVICE_TIMEOUT", "PT30S", "SHUTDOWN_GRACE", "PT15S")).start()) {
            ServiceProcess gateway = stack.gateway();
            assertFalse(call(gateway, "create_namespace", "{\"name\":\"drain\",\"description\":\"Drain test\"}")
                    .join().body().contains("\"isError\":true"));
            CompletableFuture<HttpResponse<String>> inFlight;
            try (Connection lock = lockKnowledge(stack.databaseUrl())) {
                inFlight = call(gateway, "write_knowledge",
                        "{\"scope\":\"drain:default\",\"content\":\"Written while stopping.\",\"context\":\"shutdown\"}");
                Await.until("the write waits for the lock", WITHIN, () -> postgres.waitingForLocks(stack.databaseUrl()) == 1);
                gateway.process().destroy();
                Await.until("the gateway refuses new requests while stopping (503, or no longer listening)", WITHIN, () -> {
                    try {
                        return Mcp.post(gateway, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}", Map.of())
                                .statusCode() == 503;
                    } catch (RuntimeException | AssertionError closed) { // no longer listening
                        return true;
                    }
                });
                assertTrue(gateway.process().isAlive(), "still draining the call in flight");
                lock.rollback();
            }
            HttpResponse<String> response = inFlight.get(20, TimeUnit.SECONDS);
            assertEquals(200, response.statusCode());
            assertTrue(response.body().contains("\"isError\":false"), response.body());
            assertTrue(gateway.process().waitFor(20, TimeUnit.SECONDS), "the process exits");
            assertEquals(143, gateway.process().exitValue());
        }
    }

    private static CompletableFuture<HttpResponse<String>> call(ServiceProcess gateway, String tool, String arguments) {
        String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool
                + "\",\"arguments\":" + arguments + "}}";
        return Mcp.HTTP.sendAsync(HttpRequest.newBuilder(URI.create(Stack.mcpUrl(gateway)))
                .timeout(Duration.ofSeconds(40))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A transaction holding an exclusive lock on the knowledge table until it ends. */
    private Connection lockKnowledge(String database) throws Exception {
        Connection connection = DriverManager.getConnection(database, postgres.user(), postgres.password());
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            statement.execute("LOCK TABLE knowledge IN ACCESS EXCLUSIVE MODE");
        }
        return connection;
    }
}
