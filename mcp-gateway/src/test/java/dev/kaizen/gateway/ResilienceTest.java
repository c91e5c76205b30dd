package dev.kaizen.gateway;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gateway while knowledge-service goes away and comes back on the same address. */
class ResilienceTest {
    private static Stack stack;

    @BeforeAll
    static void start() {
        stack = new Stack("resilience", Map.of());
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    @Test
    void knowledgeServiceDownGivesAClearErrorFastAndWorksAgainOnceBackWithoutRestart() throws Exception {
        McpSyncClient mcp = Stack.client(stack.gateway, Map.of());
        assertFalse(call(mcp, "create_namespace", Map.of("name", "resilient", "description", "Resilient")).isError());
        int port = stack.knowledge.grpcPort();
        String ready = "http://127.0.0.1:" + stack.gateway.adminPort() + "/observe/health/ready";
        assertEquals(200, Stack.get(ready));

        stack.knowledge.stop();
        for (String tool : List.of("get_task_context", "write_knowledge")) {
            Instant start = Instant.now();
            McpSchema.CallToolResult down = call(mcp, tool, tool.equals("write_knowledge")
                    ? Map.of("scope", "resilient:default", "content", "Lost?", "context", "outage")
                    : Map.of("queries", List.of("outage"), "scope", "resilient:default"));
            assertTrue(down.isError());
            assertEquals("Knowledge service unavailable, retry later.", ((McpSchema.TextContent) down.content().getFirst()).text());
            assertTrue(Duration.between(start, Instant.now()).toSeconds() < 5, "fails fast, well within the deadline");
        }
        assertEquals(503, Stack.get(ready), "the gateway is not ready while the service is down");
        assertEquals(200, Stack.get("http://127.0.0.1:" + stack.gateway.adminPort() + "/observe/health/live"));

        stack.knowledge = stack.startKnowledge(port);
        Instant deadline = Instant.now().plusSeconds(20);
        McpSchema.CallToolResult back;
        do {
            Thread.sleep(200);
            back = call(mcp, "write_knowledge", Map.of("scope", "resilient:default", "content", "Back again.",
                    "context", "recovery"));
        } while (back.isError() && Instant.now().isBefore(deadline));
        assertFalse(back.isError(), "works again without restarting the gateway");
        assertEquals(200, Stack.get(ready));
        mcp.closeGracefully();
    }

    private static McpSchema.CallToolResult call(McpSyncClient mcp, String tool, Map<String, Object> arguments) {
        return mcp.callTool(McpSchema.CallToolRequest.builder(tool).arguments(arguments).build());
    }
}
