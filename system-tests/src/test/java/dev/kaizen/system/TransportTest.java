package dev.kaizen.system;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import dev.kaizen.api.Rules;
import dev.kaizen.identity.ApiTokens;
import dev.kaizen.stack.ServiceProcess;
import dev.kaizen.stack.Stack;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Streamable HTTP as clients and browsers meet it: methods, origins, tokens, body limits, statelessness. */
class TransportTest {
    private static final String LIST_TOOLS = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}";
    private static Stack stack;
    private static ServiceProcess gateway;
    private static ServiceProcess guarded;

    @BeforeAll
    static void start() {
        stack = Stack.shared();
        gateway = stack.gateway();
        // API tokens as configuration keeps them: hashes, each naming its principal and grants
        guarded = stack.startGateway(Map.of("AUTH_TOKENS", ApiTokens.entry("first", "first-token", "kaizen:admin") + ","
                        + ApiTokens.entry("second", "second-token", "kaizen:read:*"),
                "MCP_ORIGINS", "https://app.example.com"));
    }

    @AfterAll
    static void stop() {
        guarded.close();
    }

    @Test
    void getIsMethodNotAllowed() {
        assertEquals(405, Mcp.get(Stack.mcpUrl(gateway)));
    }

    @Test
    void postAnswersJsonWithoutASession() {
        HttpResponse<String> response = Mcp.post(gateway, LIST_TOOLS, Map.of());
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        assertTrue(response.headers().firstValue("Mcp-Session-Id").isEmpty(), "stateless: no session");
        assertTrue(response.body().contains("\"get_task_context\""));
    }

    @Test
    void notificationsAreAcceptedWithoutBody() {
        HttpResponse<String> response = Mcp.post(gateway,
                "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", Map.of());
        assertEquals(202, response.statusCode());
        assertEquals("", response.body());
    }

    @Test
    void malformedBodiesAreBadRequestsWithTheJsonRpcErrorCode() {
        Map<String, Integer> bodies = Map.of(
                "{not json", -32700, "", -32700, "   ", -32700,
                "null", -32600, "[]", -32600, "[" + LIST_TOOLS + "]", -32600, "42", -32600, "\"tools/list\"", -32600,
                "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"tools/list\"}", -32600,
                "{\"id\":1,\"method\":\"tools/list\"}", -32600);
        Map<String, Integer> more = Map.of(
                "{\"jsonrpc\":\"2.0\",\"id\":{\"a\":1},\"method\":\"tools/list\"}", -32600,
                "{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"tools/list\"}", -32600,
                "{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"tools/list\"}", -32600,
                "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":5}", -32600,
                "{\"jsonrpc\":\"2.0\",\"id\":1}", -32600,
                "{}", -32600);
        for (Map<String, Integer> cases : List.of(bodies, more)) {
            cases.forEach((body, code) -> {
                HttpResponse<String> response = Mcp.post(gateway, body, Map.of());
                assertEquals(400, response.statusCode(), body);
                assertTrue(response.body().contains("\"code\":" + code), body + " -> " + response.body());
                Mcp.assertNoInternals(response.body());
            });
        }
    }

    @Test
    void paramsThatAreNotAnObjectAreInvalidParamsWithoutInternals() {
        for (String params : List.of("\"x\"", "null", "[1]", "42", "{\"protocolVersion\":{}}")) {
            for (String method : List.of("initialize", "tools/call", "prompts/get", "tools/list")) {
                String body = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"" + method + "\",\"params\":" + params + "}";
                HttpResponse<String> response = Mcp.post(gateway, body, Map.of());
                assertEquals(200, response.statusCode(), body);
                Mcp.assertNoInternals(response.body());
                if (!params.startsWith("{") && !(method.equals("tools/list") && params.equals("null"))) {
                    assertTrue(response.body().contains("\"code\":-32602"), body + " -> " + response.body());
                }
            }
        }
        assertTrue(Mcp.post(gateway, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"no/such\"}", Map.of()).body()
                .contains("-32601"), "an unknown method is still 'method not found'");
    }

    @Test
    void foreignOriginIsForbiddenAndLocalOriginsAreAllowed() {
        assertEquals(403, Mcp.post(gateway, LIST_TOOLS, Map.of("Origin", "http://evil.example.com")).statusCode());
        assertEquals(200, Mcp.post(gateway, LIST_TOOLS,
                Map.of("Origin", "http://localhost:" + gateway.port())).statusCode());
        assertEquals(403, Mcp.post(guarded, LIST_TOOLS, Map.of("Origin", "http://localhost:3000",
                "Authorization", "Bearer first-token")).statusCode(), "a configured list replaces the local default");
        assertEquals(200, Mcp.post(guarded, LIST_TOOLS, Map.of("Origin", "https://app.example.com",
                "Authorization", "Bearer first-token")).statusCode());
    }

    @Test
    void withTokensConfiguredAMissingOrWrongTokenIsUnauthorized() {
        HttpResponse<String> missing = Mcp.post(guarded, LIST_TOOLS, Map.of());
        assertEquals(401, missing.statusCode());
        assertTrue(missing.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
        assertEquals(401, Mcp.post(guarded, LIST_TOOLS, Map.of("Authorization", "Bearer wrong")).statusCode());
        assertEquals(401, Mcp.post(guarded, LIST_TOOLS, Map.of("Authorization", "Basic Zmlyc3QtdG9rZW4=")).statusCode());
        assertEquals(200, Mcp.post(guarded, LIST_TOOLS, Map.of("Authorization", "Bearer second-token")).statusCode());

        McpSyncClient client = Mcp.client(guarded, Map.of("Authorization", "Bearer first-token"));
        assertEquals(21, client.listTools().tools().size());
        client.closeGracefully();
        assertThrows(RuntimeException.class, () -> Mcp.client(guarded, Map.of()), "the SDK client is refused too");
    }

    @Test
    void theDefaultBodyLimitAdmitsTheLargestContentAndRefusesMore() {
        McpSyncClient client = Mcp.client(gateway, Map.of());
        String big = Mcp.unique("big");
        client.callTool(McpSchema.CallToolRequest.builder("create_namespace")
                .arguments(Map.of("name", big, "description", "Big entries")).build());
        // JSON escaping can double a content: quotes cost two characters each
        String content = "\"".repeat(Rules.CONTENT_MAX);
        McpSchema.CallToolResult result = client.callTool(McpSchema.CallToolRequest.builder("write_knowledge")
                .arguments(Map.of("scope", big + ":default", "content", content, "context", "largest")).build());
        assertFalse(result.isError(), result::toString);
        client.closeGracefully();

        String tooBig = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"pad\":\"" + "x".repeat(2_000_000) + "\"}}";
        assertTrue(tooBig.length() > Mcp.BODY_LIMIT);
        assertEquals(413, Mcp.postAskingFirst(gateway, tooBig).statusCode());
    }

    @Test
    void twoGatewaysAnswerInterchangeably() {
        ServiceProcess second = stack.startGateway(Map.of());
        try {
            McpSyncClient viaFirst = Mcp.client(gateway, Map.of());
            McpSyncClient viaSecond = Mcp.client(second, Map.of());
            String shared = Mcp.unique("shared");
            viaFirst.callTool(McpSchema.CallToolRequest.builder("create_namespace")
                    .arguments(Map.of("name", shared, "description", "Shared")).build());
            McpSchema.CallToolResult written = viaSecond.callTool(McpSchema.CallToolRequest.builder("write_knowledge")
                    .arguments(Map.of("scope", shared + ":default", "content", "Either gateway will do.",
                            "context", "interchangeable")).build());
            assertFalse(written.isError(), written::toString);
            McpSchema.CallToolResult found = viaFirst.callTool(McpSchema.CallToolRequest.builder("get_task_context")
                    .arguments(Map.of("queries", java.util.List.of("interchangeable"), "scope", shared + ":default")).build());
            assertTrue(found.structuredContent().toString().contains("Either gateway will do."), found::toString);

            // one conversation, its requests alternating between the replicas
            String initialize = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
                    + "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"test\",\"version\":\"1\"}}}";
            assertEquals(200, Mcp.post(gateway, initialize, Map.of()).statusCode());
            assertEquals(202, Mcp.post(second, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
                    Map.of()).statusCode());
            assertTrue(Mcp.post(gateway, LIST_TOOLS, Map.of()).body().contains("write_knowledge"));
            assertTrue(Mcp.post(second, LIST_TOOLS, Map.of()).body().contains("write_knowledge"));
            viaFirst.closeGracefully();
            viaSecond.closeGracefully();
        } finally {
            second.close();
        }
    }

    @Test
    void healthAndPerToolMetricsAreOnTheAdminPort() throws Exception {
        String admin = "http://127.0.0.1:" + gateway.adminPort();
        assertEquals(200, Mcp.get(admin + "/observe/health/live"));
        assertEquals(200, Mcp.get(admin + "/observe/health/ready"));
        Mcp.post(gateway, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
                + "\"list_config\",\"arguments\":{}}}", Map.of());
        String metrics = Mcp.HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(admin + "/observe/metrics"))
                .header("Accept", "text/plain").build(), HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(metrics.contains("kaizen_mcp_tool_calls") && metrics.contains("tool=\"list_config\""), metrics);
    }
}
