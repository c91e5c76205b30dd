package dev.kaizen.gateway;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import dev.kaizen.api.Rules;
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
    private static GatewayServer guarded;

    @BeforeAll
    static void start() {
        stack = new Stack("transport", Map.of());
        guarded = stack.startGateway(Map.of("mcp.tokens", "first-token, second-token",
                "mcp.origins", "https://app.example.com"));
    }

    @AfterAll
    static void stop() {
        guarded.stop();
        stack.close();
    }

    @Test
    void getIsMethodNotAllowed() throws Exception {
        assertEquals(405, Stack.get(stack.mcpUrl(stack.gateway)));
    }

    @Test
    void postAnswersJsonWithoutASession() throws Exception {
        HttpResponse<String> response = Stack.post(stack.gateway, LIST_TOOLS, Map.of());
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
        assertTrue(response.headers().firstValue("Mcp-Session-Id").isEmpty(), "stateless: no session");
        assertTrue(response.body().contains("\"get_task_context\""));
    }

    @Test
    void notificationsAreAcceptedWithoutBody() throws Exception {
        HttpResponse<String> response = Stack.post(stack.gateway,
                "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}", Map.of());
        assertEquals(202, response.statusCode());
        assertEquals("", response.body());
    }

    @Test
    void malformedBodiesAreBadRequestsWithTheJsonRpcErrorCode() throws Exception {
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
                HttpResponse<String> response = post(stack.gateway, body);
                assertEquals(400, response.statusCode(), body);
                assertTrue(response.body().contains("\"code\":" + code), body + " -> " + response.body());
                assertNoInternals(response.body());
            });
        }
    }

    @Test
    void paramsThatAreNotAnObjectAreInvalidParamsWithoutInternals() throws Exception {
        for (String params : List.of("\"x\"", "null", "[1]", "42", "{\"protocolVersion\":{}}")) {
            for (String method : List.of("initialize", "tools/call", "prompts/get", "tools/list")) {
                String body = "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"" + method + "\",\"params\":" + params + "}";
                HttpResponse<String> response = post(stack.gateway, body);
                assertEquals(200, response.statusCode(), body);
                assertNoInternals(response.body());
                if (!params.startsWith("{") && !(method.equals("tools/list") && params.equals("null"))) {
                    assertTrue(response.body().contains("\"code\":-32602"), body + " -> " + response.body());
                }
            }
        }
        assertTrue(post(stack.gateway, "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"no/such\"}").body()
                .contains("-32601"), "an unknown method is still 'method not found'");
    }

    private static HttpResponse<String> post(GatewayServer gateway, String body) {
        try {
            return Stack.post(gateway, body, Map.of());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** An answer a person can read: no exception, class or library names. */
    static void assertNoInternals(String text) {
        for (String leak : List.of("Exception", "jackson", "io.modelcontextprotocol", "java.", "Schema$", "at dev.",
                "Cannot construct", "null pointer")) {
            assertFalse(text.contains(leak), () -> "leaks internals (" + leak + "): " + text);
        }
    }

    @Test
    void foreignOriginIsForbiddenAndLocalOriginsAreAllowed() throws Exception {
        assertEquals(403, Stack.post(stack.gateway, LIST_TOOLS, Map.of("Origin", "http://evil.example.com")).statusCode());
        assertEquals(200, Stack.post(stack.gateway, LIST_TOOLS,
                Map.of("Origin", "http://localhost:" + stack.gateway.port())).statusCode());
        assertEquals(403, Stack.post(guarded, LIST_TOOLS, Map.of("Origin", "http://localhost:3000",
                "Authorization", "Bearer first-token")).statusCode(), "a configured list replaces the local default");
        assertEquals(200, Stack.post(guarded, LIST_TOOLS, Map.of("Origin", "https://app.example.com",
                "Authorization", "Bearer first-token")).statusCode());
    }

    @Test
    void withTokensConfiguredAMissingOrWrongTokenIsUnauthorized() throws Exception {
        HttpResponse<String> missing = Stack.post(guarded, LIST_TOOLS, Map.of());
        assertEquals(401, missing.statusCode());
        assertTrue(missing.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"));
        assertEquals(401, Stack.post(guarded, LIST_TOOLS, Map.of("Authorization", "Bearer wrong")).statusCode());
        assertEquals(401, Stack.post(guarded, LIST_TOOLS, Map.of("Authorization", "Basic Zmlyc3QtdG9rZW4=")).statusCode());
        assertEquals(200, Stack.post(guarded, LIST_TOOLS, Map.of("Authorization", "Bearer second-token")).statusCode());

        McpSyncClient client = Stack.client(guarded, Map.of("Authorization", "Bearer first-token"));
        assertEquals(16, client.listTools().tools().size());
        client.closeGracefully();
        assertThrows(RuntimeException.class, () -> Stack.client(guarded, Map.of()), "the SDK client is refused too");
    }

    @Test
    void theDefaultBodyLimitAdmitsTheLargestContentAndRefusesMore() throws Exception {
        McpSyncClient client = Stack.client(stack.gateway, Map.of());
        client.callTool(McpSchema.CallToolRequest.builder("create_namespace")
                .arguments(Map.of("name", "big", "description", "Big entries")).build());
        // JSON escaping can double a content: quotes cost two characters each
        String content = "\"".repeat(Rules.CONTENT_MAX);
        McpSchema.CallToolResult result = client.callTool(McpSchema.CallToolRequest.builder("write_knowledge")
                .arguments(Map.of("scope", "big:default", "content", content, "context", "largest")).build());
        assertFalse(result.isError(), result::toString);
        client.closeGracefully();

        String tooBig = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"params\":{\"pad\":\"" + "x".repeat(2_000_000) + "\"}}";
        assertEquals(413, Stack.post(stack.gateway, tooBig, Map.of()).statusCode());
    }

    @Test
    void twoGatewaysAnswerInterchangeably() throws Exception {
        GatewayServer second = stack.startGateway(Map.of());
        try {
            McpSyncClient viaFirst = Stack.client(stack.gateway, Map.of());
            McpSyncClient viaSecond = Stack.client(second, Map.of());
            viaFirst.callTool(McpSchema.CallToolRequest.builder("create_namespace")
                    .arguments(Map.of("name", "shared", "description", "Shared")).build());
            McpSchema.CallToolResult written = viaSecond.callTool(McpSchema.CallToolRequest.builder("write_knowledge")
                    .arguments(Map.of("scope", "shared:default", "content", "Either gateway will do.",
                            "context", "interchangeable")).build());
            assertFalse(written.isError(), written::toString);
            McpSchema.CallToolResult found = viaFirst.callTool(McpSchema.CallToolRequest.builder("get_task_context")
                    .arguments(Map.of("queries", java.util.List.of("interchangeable"), "scope", "shared:default")).build());
            assertTrue(found.structuredContent().toString().contains("Either gateway will do."), found::toString);

            // one conversation, its requests alternating between the replicas
            String initialize = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
                    + "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"test\",\"version\":\"1\"}}}";
            assertEquals(200, Stack.post(stack.gateway, initialize, Map.of()).statusCode());
            assertEquals(202, Stack.post(second, "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}",
                    Map.of()).statusCode());
            assertTrue(Stack.post(stack.gateway, LIST_TOOLS, Map.of()).body().contains("write_knowledge"));
            assertTrue(Stack.post(second, LIST_TOOLS, Map.of()).body().contains("write_knowledge"));
            viaFirst.closeGracefully();
            viaSecond.closeGracefully();
        } finally {
            second.stop();
        }
    }

    @Test
    void healthAndPerToolMetricsAreOnTheAdminPort() throws Exception {
        String admin = "http://127.0.0.1:" + stack.gateway.adminPort();
        assertEquals(200, Stack.get(admin + "/observe/health/live"));
        assertEquals(200, Stack.get(admin + "/observe/health/ready"));
        Stack.post(stack.gateway, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":"
                + "\"list_config\",\"arguments\":{}}}", Map.of());
        String metrics = Stack.HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(admin + "/observe/metrics"))
                .header("Accept", "text/plain").build(), HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(metrics.contains("kaizen_mcp_tool_calls") && metrics.contains("tool=\"list_config\""), metrics);
    }
}
