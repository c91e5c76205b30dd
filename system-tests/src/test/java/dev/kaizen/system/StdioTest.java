package dev.kaizen.system;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.kaizen.stack.ServiceProcess;
import dev.kaizen.stack.Stack;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.ServerParameters;
import io.modelcontextprotocol.client.transport.StdioClientTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gateway as a desktop client starts it: the packaged jar with --stdio, speaking MCP on stdin/stdout. */
class StdioTest {

    @Test
    void aSubprocessGatewayServesTheToolsOverStdio() {
        Stack stack = Stack.shared();
        List<String> jvm = stdioGateway();
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
            assertEquals(21, mcp.listTools().tools().size());
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

    @Test
    @Timeout(120)
    void aLineThatIsNotOneMessageGetsAnErrorAndTheSessionGoesOn() throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder(stdioGateway()).redirectError(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("SERVICE_TARGET", "dns:///" + Stack.shared().grpcTarget());
        Process gateway = builder.start();
        try {
            OutputStream stdin = gateway.getOutputStream();
            for (String line : List.of(
                    "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-06-18\","
                            + "\"capabilities\":{},\"clientInfo\":{\"name\":\"raw\",\"version\":\"1\"}}}",
                    "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
                    "{not json",
                    "[{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}]",
                    "{\"jsonrpc\":\"2.0\"}",
                    "\"" + "x".repeat(Mcp.BODY_LIMIT) + "\"",
                    "   ",
                    "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"tools/list\"}")) {
                stdin.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            }
            stdin.flush();
            BufferedReader stdout = new BufferedReader(new InputStreamReader(gateway.getInputStream(), StandardCharsets.UTF_8));
            List<String> errors = new ArrayList<>();
            boolean initialized = false;
            String line;
            while ((line = stdout.readLine()) != null && !line.startsWith("{\"jsonrpc\":\"2.0\",\"id\":3,")) {
                Mcp.assertNoInternals(line);
                if (line.contains("\"id\":null")) {
                    errors.add(line.replaceAll(".*\"code\":(-?[0-9]+).*", "$1"));
                } else {
                    initialized |= line.startsWith("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\"");
                }
            }
            assertTrue(line != null && line.contains("\"get_task_context\""), "tools/list answered after the bad lines");
            assertTrue(initialized, "initialize answered");
            assertEquals(List.of("-32700", "-32600", "-32600", "-32600"), errors, "one error per unreadable line");
            gateway.getOutputStream().close();
            assertTrue(gateway.waitFor(30, TimeUnit.SECONDS), "the gateway ends when stdin closes");
        } finally {
            gateway.destroyForcibly();
        }
    }

    /** The command line of the packaged gateway in stdio mode. */
    private static List<String> stdioGateway() {
        List<String> jvm = new ArrayList<>(ServiceProcess.jvm());
        jvm.add(ServiceProcess.REPOSITORY.resolve("mcp-gateway/target/mcp-gateway.jar").toString());
        jvm.add("--stdio");
        return jvm;
    }
}
