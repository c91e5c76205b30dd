package dev.kaizen.system;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import dev.kaizen.stack.Await;
import dev.kaizen.stack.Stack;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gateway while knowledge-service goes away and comes back on the same address. */
class ResilienceTest {
    private static Stack stack;

    @BeforeAll
    static void start() {
        stack = Stack.start("resilience");
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    @Test
    void knowledgeServiceDownGivesAClearErrorFastAndWorksAgainOnceBackWithoutRestart() {
        McpSyncClient mcp = Mcp.client(stack.gateway(), Map.of());
        Mcp.ok(mcp, "create_namespace", Map.of("name", "resilient", "description", "Resilient"));
        String ready = "http://127.0.0.1:" + stack.gateway().adminPort() + "/observe/health/ready";
        assertEquals(200, Mcp.get(ready));

        stack.stopKnowledgeService(false);
        for (String tool : List.of("get_task_context", "write_knowledge")) {
            Instant start = Instant.now();
            McpSchema.CallToolResult down = Mcp.call(mcp, tool, tool.equals("write_knowledge")
                    ? Map.of("scope", "resilient:default", "content", "Lost?", "context", "outage")
                    : Map.of("queries", List.of("outage"), "scope", "resilient:default"));
            assertTrue(down.isError());
            assertEquals("Knowledge service unavailable, retry later.", Mcp.text(down));
            assertTrue(Duration.between(start, Instant.now()).toSeconds() < 5, "fails fast, well within the deadline");
        }
        assertEquals(503, Mcp.get(ready), "the gateway is not ready while the service is down");
        assertEquals(200, Mcp.get("http://127.0.0.1:" + stack.gateway().adminPort() + "/observe/health/live"));

        stack.startKnowledgeService();
        Await.until("the gateway works again without a restart", Duration.ofSeconds(20), () -> !Mcp.call(mcp,
                "write_knowledge", Map.of("scope", "resilient:default", "content", "Back again.", "context", "recovery"))
                .isError());
        assertEquals(200, Mcp.get(ready));
        mcp.closeGracefully();
    }
}
