package dev.kaizen.system;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import dev.kaizen.stack.Await;
import dev.kaizen.stack.ServiceProcess;
import dev.kaizen.stack.Stack;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * More work than the pair can take: knowledge-service (two connections, 200 ms of patience per call)
 * refuses at once and the gateway turns that into an answer that says to retry; a gateway at its
 * own limit sheds at the transport with 503 and Retry-After; once the load is gone, everything works.
 * The load is held in the database by a lock on the knowledge table.
 */
class OverloadTest {

    private static String write(String ns, String content) {
        return "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"write_knowledge\",\"arguments\":"
                + "{\"scope\":\"" + ns + ":default\",\"content\":\"" + content + "\",\"context\":\"overload\"}}}";
    }

    @Test
    void aFullServiceAndAFullGatewayRefuseFastSayWhenToRetryAndRecover() throws Exception {
        try (Stack stack = Stack.builder("overload").knowledgeService(Map.of("DB_POOL_SIZE", "2", "CALLS_QUEUE_WAIT", "PT0.2S"))
                .gateway(Map.of("SERVICE_TIMEOUT", "PT30S")).start();
             ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            ServiceProcess small = stack.startGateway(Map.of("MCP_CONCURRENCY_LIMIT", "2", "MCP_CONCURRENCY_QUEUE_WAIT", "PT0.2S"));
            String ns = "overload";
            Mcp.ok(Mcp.client(stack.gateway(), Map.of()), "create_namespace", Map.of("name", ns, "description", "Overload"));
            List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
            try (Connection lock = DriverManager.getConnection(stack.databaseUrl(), stack.postgres().user(),
                    stack.postgres().password())) {
                lock.setAutoCommit(false);
                try (Statement statement = lock.createStatement()) {
                    statement.execute("LOCK TABLE knowledge IN ACCESS EXCLUSIVE MODE");
                }
                for (int i = 0; i < 2; i++) {
                    String body = write(ns, "Held " + i);
                    held.add(CompletableFuture.supplyAsync(() -> Mcp.post(small, body, Map.of()), clients));
                }
                Await.until("both held writes wait for the lock", Duration.ofSeconds(20),
                        () -> stack.postgres().waitingForLocks(stack.databaseUrl()) == 2);

                Instant start = Instant.now();
                HttpResponse<String> busyService = Mcp.post(stack.gateway(), write(ns, "Refused by the service"), Map.of());
                assertTrue(busyService.body().contains("\"isError\":true")
                        && busyService.body().contains("Knowledge service is busy right now; retry in about a second."),
                        busyService.body());
                HttpResponse<String> busyGateway = Mcp.post(small, write(ns, "Shed by the gateway"), Map.of());
                assertEquals(503, busyGateway.statusCode(), busyGateway.body());
                assertEquals("1", busyGateway.headers().firstValue("Retry-After").orElse(""));
                Mcp.assertNoInternals(busyGateway.body());
                assertTrue(Duration.between(start, Instant.now()).toMillis() < 3_000, "both refused fast");
                lock.rollback();
            }
            for (CompletableFuture<HttpResponse<String>> call : held) {
                assertTrue(call.get(20, TimeUnit.SECONDS).body().contains("\"isError\":false"), "the held calls complete");
            }
            for (int i = 0; i < 5; i++) {
                assertTrue(Mcp.post(small, write(ns, "After " + i), Map.of()).body().contains("\"isError\":false"));
            }
        }
    }
}
