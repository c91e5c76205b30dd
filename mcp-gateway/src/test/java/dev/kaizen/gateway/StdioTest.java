package dev.kaizen.gateway;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gateway as a desktop client starts it: a subprocess speaking MCP on stdin/stdout. */
class StdioTest {
    private static Stack stack;

    @BeforeAll
    static void start() {
        stack = new Stack("stdio", Map.of());
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    @Test
    void aSubprocessGatewayServesTheToolsOverStdio() {
        String java = ProcessHandle.current().info().command().orElse("java");
        ServerParameters process = ServerParameters.builder(java)
                .args("-cp", System.getProperty("java.class.path"), Main.class.getName(), "--stdio")
                .addEnvVar("SERVICE_TARGET", "dns:///127.0.0.1:" + stack.knowledge.grpcPort())
                .build();
        StdioClientTransport transport = new StdioClientTransport(process, McpJsonDefaults.getMapper());
        McpSyncClient mcp = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(60))
                .initializationTimeout(Duration.ofSeconds(60)).build();
        try {
            assertEquals("kaizen", mcp.initialize().serverInfo().name());
            assertEquals(16, mcp.listTools().tools().size());
            assertEquals(2, mcp.listPrompts().prompts().size());
            assertFalse(call(mcp, "create_namespace", Map.of("name", "desk", "description", "Desktop")).isError());
            assertFalse(call(mcp, "write_knowledge", Map.of("scope", "desk:default",
                    "content", "Stdio works like HTTP.", "context", "stdio transport")).isError());
            McpSchema.CallToolResult found = call(mcp, "get_task_context",
                    Map.of("queries", List.of("stdio"), "scope", "desk:default"));
            assertTrue(found.structuredContent().toString().contains("Stdio works like HTTP."), found::toString);
            McpSchema.CallToolResult refused = call(mcp, "create_namespace", Map.of("name", "desk", "description", "Again"));
            assertTrue(refused.isError());
        } finally {
            mcp.closeGracefully();
        }
    }

    private static McpSchema.CallToolResult call(McpSyncClient mcp, String tool, Map<String, Object> arguments) {
        return mcp.callTool(McpSchema.CallToolRequest.builder(tool).arguments(arguments).build());
    }
}
