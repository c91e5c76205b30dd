package dev.kaizen.system;

import java.io.IOException;
import java.nio.file.Files;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.kaizen.identity.ApiTokens;
import dev.kaizen.stack.ServiceProcess;
import dev.kaizen.stack.Stack;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Traces end to end and logs a machine reads: both services as processes from their jars, exporting
 * to a real OTLP receiver (this test's, decoding the OTLP protobufs), with authentication on and
 * {@code LOG_FORMAT=json}. One MCP call is one trace across the gateway, the gRPC call and its SQL;
 * nothing a caller wrote, searched for or signed in with ends up in a span or a log line.
 */
class TracingTest {
    /** What must never be in a span or a log: the content, a query word and the API token. */
    private static final String CONTENT = "Quokkaflux batteries are recharged before every sprint review.";
    private static final String QUERY_WORD = "quokkaflux";
    private static final int SERVER = 2;
    private static final int CLIENT = 3;

    private static OtlpReceiver receiver;
    private static Stack stack;
    private static String token;
    private static String namespace;

    @BeforeAll
    static void start() throws IOException {
        receiver = new OtlpReceiver();
        token = ApiTokens.generate();
        Map<String, String> env = new HashMap<>(Map.of(
                "OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint(),
                // spans leave within 50 ms instead of the default 5 s
                "OTEL_BSP_SCHEDULE_DELAY", "50",
                "LOG_FORMAT", "json",
                "AUTH_TOKENS", ApiTokens.entry("tracer", token, "kaizen:admin")));
        stack = Stack.builder("tracing").knowledgeService(env).gateway(env).start();
        namespace = Mcp.unique("traced");
        McpSyncClient mcp = client(Map.of());
        Mcp.ok(mcp, "create_namespace", Map.of("name", namespace, "description", "Traced"));
        Mcp.ok(mcp, "write_knowledge", Map.of("scope", namespace + ":default", "content", CONTENT,
                "context", "battery sprint"));
    }

    @AfterAll
    static void stop() {
        if (stack != null) {
            stack.close();
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    private static McpSyncClient client(Map<String, String> headers) {
        Map<String, String> all = new HashMap<>(headers);
        all.put("Authorization", "Bearer " + token);
        return Mcp.client(stack.gateway(), all);
    }

    @Test
    void oneGetTaskContextCallIsOneTraceAcrossGatewayServiceAndSql() throws Exception {
        String traceId = hex(16);
        String callerSpan = hex(8);
        McpSyncClient mcp = client(Map.of("traceparent", "00-" + traceId + "-" + callerSpan + "-01"));
        McpSchema.CallToolResult result = Mcp.call(mcp, "get_task_context",
                Map.of("queries", List.of(QUERY_WORD + " batteries"), "scope", namespace + ":default"));
        assertFalse(result.isError(), Mcp.text(result));
        assertTrue(Mcp.text(result).contains("Quokkaflux"), Mcp.text(result));

        List<OtlpReceiver.Received> trace = receiver.trace(traceId, completeSearch(), Duration.ofSeconds(20));
        System.out.println("The trace of one get_task_context call:\n" + tree(trace, callerSpan));
        checkSearchTrace(trace, callerSpan);
    }

    @Test
    void traceparentInParamsMetaContinuesTheCallersTrace() throws Exception {
        String traceId = hex(16);
        String callerSpan = hex(8);
        McpSyncClient mcp = client(Map.of());
        McpSchema.CallToolResult result = mcp.callTool(McpSchema.CallToolRequest.builder("get_task_context")
                .arguments(Map.of("queries", List.of(QUERY_WORD), "scope", namespace + ":default"))
                .meta(Map.of("traceparent", "00-" + traceId + "-" + callerSpan + "-01"))
                .build());
        assertFalse(result.isError(), Mcp.text(result));
        checkSearchTrace(receiver.trace(traceId, completeSearch(), Duration.ofSeconds(20)), callerSpan);
    }

    @Test
    void overStdioTheTraceparentInParamsMetaContinuesTheCallersTrace() throws Exception {
        List<String> jvm = new java.util.ArrayList<>(ServiceProcess.jvm());
        jvm.add(ServiceProcess.REPOSITORY.resolve("mcp-gateway/target/mcp-gateway.jar").toString());
        jvm.add("--stdio");
        io.modelcontextprotocol.client.transport.ServerParameters process = io.modelcontextprotocol.client.transport.ServerParameters
                .builder(jvm.getFirst()).args(jvm.subList(1, jvm.size()))
                .addEnvVar("SERVICE_TARGET", "dns:///" + stack.grpcTarget())
                .addEnvVar("SERVICE_TOKEN", token)
                .addEnvVar("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())
                .addEnvVar("OTEL_BSP_SCHEDULE_DELAY", "50")
                .build();
        McpSyncClient mcp = io.modelcontextprotocol.client.McpClient.sync(new io.modelcontextprotocol.client.transport
                        .StdioClientTransport(process, McpJsonDefaults.getMapper()))
                .requestTimeout(Duration.ofSeconds(60)).initializationTimeout(Duration.ofSeconds(60)).build();
        String traceId = hex(16);
        String callerSpan = hex(8);
        try {
            mcp.initialize();
            McpSchema.CallToolResult result = mcp.callTool(McpSchema.CallToolRequest.builder("get_task_context")
                    .arguments(Map.of("queries", List.of(QUERY_WORD), "scope", namespace + ":default"))
                    .meta(Map.of("traceparent", "00-" + traceId + "-" + callerSpan + "-01"))
                    .build());
            assertFalse(result.isError(), Mcp.text(result));
            checkSearchTrace(receiver.trace(traceId, completeSearch(), Duration.ofSeconds(20)), callerSpan);
        } finally {
            mcp.closeGracefully();
        }
    }

    @Test
    void aRefusedCallIsTracedWithItsOutcome() throws Exception {
        String traceId = hex(16);
        McpSyncClient mcp = client(Map.of("traceparent", "00-" + traceId + "-" + hex(8) + "-01"));
        McpSchema.CallToolResult result = Mcp.call(mcp, "get_knowledge", Map.of("ids", List.of("987654321")));
        assertTrue(result.isError());
        List<OtlpReceiver.Received> trace = receiver.trace(traceId,
                spans -> spans.stream().anyMatch(span -> span.name().equals("kaizen.v1.KnowledgeService/GetKnowledge")
                        && span.kind() == SERVER) && spans.stream().anyMatch(span -> span.name().startsWith("tools/call")),
                Duration.ofSeconds(20));
        OtlpReceiver.Received tool = one(trace, span -> span.name().equals("tools/call get_knowledge"));
        assertEquals("rejected", tool.attribute("kaizen.outcome"));
        OtlpReceiver.Received server = one(trace, span -> span.name().equals("kaizen.v1.KnowledgeService/GetKnowledge")
                && span.kind() == SERVER);
        assertEquals("5", server.attribute("rpc.grpc.status_code"), "NOT_FOUND");
    }

    @Test
    void logsAreJsonLinesWithoutContentQueriesOrCredentials() throws Exception {
        // a search, a refusal and a failed sign-in, so that every path that logs has had its chance
        Mcp.call(client(Map.of()), "get_task_context", Map.of("queries", List.of(QUERY_WORD), "scope", namespace + ":default"));
        Mcp.call(client(Map.of()), "write_knowledge", Map.of("scope", "nosuch:default", "content", CONTENT, "context", "x"));
        Mcp.HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(stack.mcpUrl()))
                .header("Authorization", "Bearer " + token + "x").header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        Thread.sleep(500);
        for (ServiceProcess service : List.of(stack.knowledgeService(), stack.gateway())) {
            List<String> lines = Files.readAllLines(service.log());
            List<Map<String, Object>> json = lines.stream().filter(line -> line.startsWith("{")).map(TracingTest::parse).toList();
            assertFalse(json.isEmpty(), service + " logged no JSON line:\n" + String.join("\n", lines));
            for (Map<String, Object> line : json) {
                assertTrue(line.keySet().containsAll(Set.of("time", "level", "logger", "message")), line.toString());
                assertTrue(Set.of("ERROR", "WARN", "INFO", "DEBUG", "TRACE").contains(line.get("level")), line.toString());
            }
            // every line the services' loggers wrote is JSON; what else is there comes from the JVM itself
            for (String line : lines) {
                assertTrue(line.startsWith("{") || line.startsWith("WARNING:") || line.isBlank(), "not a JSON line: " + line);
            }
            String all = String.join("\n", lines);
            for (String secret : List.of(CONTENT, QUERY_WORD, "Quokkaflux", token)) {
                assertFalse(all.contains(secret), service + "'s log holds " + secret);
            }
        }
        assertTrue(Files.readString(stack.knowledgeService().log()).contains("\"message\":\"knowledge-service serving gRPC"));
    }

    @Test
    void spansHoldNoContentQueriesOrCredentials() {
        for (OtlpReceiver.Received span : receiver.all()) {
            String text = span.name() + " " + span.attributes();
            for (String secret : List.of(CONTENT, QUERY_WORD, "Quokkaflux", token)) {
                assertFalse(text.contains(secret), span + " holds " + secret);
            }
        }
    }

    private static Predicate<List<OtlpReceiver.Received>> completeSearch() {
        return spans -> spans.stream().anyMatch(span -> span.name().startsWith("tools/call"))
                && spans.stream().anyMatch(span -> span.kind() == SERVER && span.service().equals("knowledge-service"))
                && spans.stream().filter(span -> "postgresql".equals(span.attribute("db.system.name"))).count() >= 2;
    }

    /** The tree: tool call (gateway) > gRPC client (gateway) > gRPC server (service) > SQL (service), all one trace. */
    private static void checkSearchTrace(List<OtlpReceiver.Received> trace, String callerSpan) {
        String shown = tree(trace, callerSpan);
        OtlpReceiver.Received tool = one(trace, span -> span.name().equals("tools/call get_task_context"));
        assertEquals("mcp-gateway", tool.service(), shown);
        assertEquals(SERVER, tool.kind(), shown);
        assertEquals(callerSpan, tool.parentSpanId(), "the caller's span is the parent: " + shown);
        assertEquals("get_task_context", tool.attribute("gen_ai.tool.name"), shown);
        assertEquals(namespace, tool.attribute("kaizen.namespace"), shown);
        assertEquals("ok", tool.attribute("kaizen.outcome"), shown);

        OtlpReceiver.Received client = one(trace, span -> span.name().equals("kaizen.v1.KnowledgeService/GetTaskContext")
                && span.kind() == CLIENT);
        assertEquals("mcp-gateway", client.service(), shown);
        assertEquals(tool.spanId(), client.parentSpanId(), shown);

        OtlpReceiver.Received server = one(trace, span -> span.name().equals("kaizen.v1.KnowledgeService/GetTaskContext")
                && span.kind() == SERVER);
        assertEquals("knowledge-service", server.service(), shown);
        assertEquals(client.spanId(), server.parentSpanId(), shown);
        assertEquals("0", server.attribute("rpc.grpc.status_code"), shown);

        List<OtlpReceiver.Received> sql = trace.stream().filter(span -> "postgresql".equals(span.attribute("db.system.name"))).toList();
        assertTrue(sql.size() >= 2, shown);
        for (OtlpReceiver.Received statement : sql) {
            assertEquals("knowledge-service", statement.service(), shown);
            assertEquals(CLIENT, statement.kind(), shown);
            assertEquals(server.spanId(), statement.parentSpanId(), shown);
            assertEquals("primary", statement.attribute("kaizen.db.pool"), shown);
        }
        assertTrue(sql.stream().anyMatch(span -> "TaskContextSearch.search".equals(span.attribute("code.function.name"))), shown);

        // one connected tree: every span's parent is in the trace, but the caller's own
        Set<String> ids = trace.stream().map(OtlpReceiver.Received::spanId).collect(Collectors.toSet());
        for (OtlpReceiver.Received span : trace) {
            assertTrue(ids.contains(span.parentSpanId()) || span.parentSpanId().equals(callerSpan), span + "\n" + shown);
        }
    }

    private static OtlpReceiver.Received one(List<OtlpReceiver.Received> trace, Predicate<OtlpReceiver.Received> which) {
        List<OtlpReceiver.Received> found = trace.stream().filter(which).toList();
        assertEquals(1, found.size(), () -> "spans: " + trace);
        return found.getFirst();
    }

    /** The trace as an indented tree, for people. */
    static String tree(List<OtlpReceiver.Received> trace, String root) {
        StringBuilder out = new StringBuilder();
        print(trace, root, 0, out);
        return out.toString();
    }

    private static void print(List<OtlpReceiver.Received> trace, String parent, int depth, StringBuilder out) {
        for (OtlpReceiver.Received span : trace) {
            if (span.parentSpanId().equals(parent)) {
                out.append("  ".repeat(depth)).append(span.name()).append("  [").append(span.service())
                        .append(span.kind() == SERVER ? ", server" : span.kind() == CLIENT ? ", client" : "")
                        .append(Stream.of("kaizen.outcome", "kaizen.namespace", "rpc.grpc.status_code", "kaizen.db.pool",
                                        "code.function.name")
                                .filter(key -> span.attribute(key) != null)
                                .map(key -> ", " + key + "=" + span.attribute(key)).collect(Collectors.joining()))
                        .append("]\n");
                print(trace, span.spanId(), depth + 1, out);
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> parse(String line) {
        try {
            return McpJsonDefaults.getMapper().readValue(line, Map.class);
        } catch (IOException e) {
            throw new AssertionError("not one JSON object: " + line, e);
        }
    }

    private static String hex(int bytes) {
        byte[] random = new byte[bytes];
        new SecureRandom().nextBytes(random);
        return HexFormat.of().formatHex(random);
    }
}
