package dev.kaizen.system;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.kaizen.stack.ServiceProcess;
import dev.kaizen.stack.Stack;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gateway as a desktop client starts it: the packaged jar with --stdio, speaking MCP on stdin/stdout. */
class StdioTest {

    @Test
    void aSubprocessGatewayServesTheToolsOverStdio() {
        Stack stack = Stack.shared();
        List<String> jvm = new ArrayList<>(ServiceProcess.jvm());
        jvm.add(ServiceProcess.REPOSITORY.resolve("mcp-gateway/target/mcp-gateway.jar").toString());
        jvm.add("--stdio");
        ServerParameters process = ServerParameters.builder(jvm.getFirst())
                .args(jvm.subList(1, jvm.size()))
                .addEnvVar("SERVICE_TARGET", "dns:///" + stack.grpcTarget())
                .build();
        StdioClientTransport transport = new StdioClientTransport(process, McpJsonDefaults.getMapper());
        McpSyncClient mcp = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(60))
                .initializationTimeout(Duration.ofSeconds(60)).build();
        String desk = Mcp.unique("desk");
        try {
            assertEquals("kaizen", mcp.initialize().serverInfo().name());
            assertEquals(17, mcp.listTools().tools().size());
            assertEquals(2, mcp.listPrompts().prompts().size());
            Mcp.ok(mcp, "create_namespace", Map.of("name", desk, "description", "Desktop"));
            Mcp.ok(mcp, "write_knowledge", Map.of("scope", desk + ":default",
                    "content", "Stdio works like HTTP.", "context", "stdio transport"));
            McpSchema.CallToolResult found = Mcp.call(mcp, "get_task_context",
                    Map.of("queries", List.of("stdio"), "scope", desk + ":default"));
            assertTrue(found.structuredContent().toString().contains("Stdio works like HTTP."), found::toString);
            assertTrue(Mcp.refused(mcp, "create_namespace", Map.of("name", desk, "description", "Again"))
                    .contains("already exists"));
            assertFalse(Mcp.call(mcp, "list_config", Map.of()).isError());
        } finally {
            mcp.closeGracefully();
        }
    }
}
