package dev.kaizen.system;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import dev.kaizen.stack.ServiceProcess;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the system tests share: MCP clients of a gateway, tool calls with their checks, raw HTTP, names. */
final class Mcp {
    static final HttpClient HTTP = HttpClient.newHttpClient();
    /** The largest request body the gateway reads by default ({@code mcp.body.limit}). */
    static final int BODY_LIMIT = 1 << 20;
    private static final AtomicInteger NAMES = new AtomicInteger();

    private Mcp() {
    }

    /** A name no other test of this JVM uses, valid as a namespace or scope name. */
    static String unique(String prefix) {
        return prefix + "-" + ProcessHandle.current().pid() + "-" + NAMES.incrementAndGet();
    }

    /** The MCP Java SDK's client over Streamable HTTP, initialized, with extra headers on every request. */
    static McpSyncClient client(ServiceProcess gateway, Map<String, String> headers) {
        HttpClientStreamableHttpTransport transport = HttpClientStreamableHttpTransport
                .builder("http://127.0.0.1:" + gateway.port())
                .endpoint("/mcp")
                .addHttpRequestCustomizer((request, method, uri, body, context) -> headers.forEach(request::header))
                .build();
        McpSyncClient client = McpClient.sync(transport).requestTimeout(Duration.ofSeconds(30)).build();
        client.initialize();
        return client;
    }

    static McpSchema.CallToolResult call(McpSyncClient mcp, String tool, Map<String, Object> arguments) {
        return mcp.callTool(McpSchema.CallToolRequest.builder(tool).arguments(arguments).build());
    }

    static String text(McpSchema.CallToolResult result) {
        return ((McpSchema.TextContent) result.content().getFirst()).text();
    }

    /** Calls a tool that must succeed; checks that the text is the JSON of structuredContent. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> ok(McpSyncClient mcp, String tool, Map<String, Object> arguments) {
        McpSchema.CallToolResult result = call(mcp, tool, arguments);
        assertFalse(result.isError(), () -> tool + " failed: " + text(result));
        try {
            assertEquals(result.structuredContent(), McpJsonDefaults.getMapper().readValue(text(result), Map.class),
                    "the text is the structured result as JSON");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return (Map<String, Object>) result.structuredContent();
    }

    /** Calls a tool that must be refused; returns the one sentence it answers. */
    static String refused(McpSyncClient mcp, String tool, Map<String, Object> arguments) {
        McpSchema.CallToolResult result = call(mcp, tool, arguments);
        assertTrue(result.isError(), () -> tool + " should have been refused: " + text(result));
        String text = text(result);
        assertNoInternals(text);
        assertTrue(text.endsWith("."), () -> "a refusal is a sentence: " + text);
        return text;
    }

    /** An answer a person can read: no SQL, exception, class or library names. */
    static void assertNoInternals(String text) {
        for (String leak : List.of("SELECT", "INSERT", "SQLSTATE", "Exception", "jackson", "io.grpc", "io.modelcontextprotocol",
                "java.", "Schema$", "at dev.", "Cannot construct", "null pointer")) {
            assertFalse(text.contains(leak), () -> "leaks internals (" + leak + "): " + text);
        }
    }

    /** A raw POST of {@code body} to the gateway's MCP endpoint. */
    static HttpResponse<String> post(ServiceProcess gateway, String body, Map<String, String> headers) {
        return post(gateway, body, headers, false);
    }

    /**
     * A raw POST that asks first ({@code Expect: 100-continue}) and sends the body only when invited:
     * the way to read the gateway's refusal of a body past its limit, which it answers at once and
     * without reading, so a client still sending might see the connection close before the answer.
     */
    static HttpResponse<String> postAskingFirst(ServiceProcess gateway, String body) {
        return post(gateway, body, Map.of(), true);
    }

    private static HttpResponse<String> post(ServiceProcess gateway, String body, Map<String, String> headers,
            boolean expectContinue) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/mcp"))
                .timeout(Duration.ofSeconds(30))
                .expectContinue(expectContinue)
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return send(request.build());
    }

    /** The status of a GET of {@code url}. */
    static int get(String url) {
        return send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build()).statusCode();
    }

    private static HttpResponse<String> send(HttpRequest request) {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError(request.method() + " " + request.uri() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
