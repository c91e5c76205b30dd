package dev.kaizen.system;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import dev.kaizen.api.RawMessages;
import dev.kaizen.api.Rules;
import dev.kaizen.api.v1.AuditServiceGrpc;
import dev.kaizen.api.v1.ConfigServiceGrpc;
import dev.kaizen.api.v1.KnowledgeServiceGrpc;
import dev.kaizen.api.v1.NamespaceServiceGrpc;
import dev.kaizen.api.v1.ScopeServiceGrpc;
import dev.kaizen.stack.Stack;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A generated, deterministic suite of malformed input over both APIs. Every input gets a clear
 * refusal or a correct answer: no 5xx, no INTERNAL or UNKNOWN, no message naming SQL, exceptions or
 * classes; and a digest of the database taken before and after each refused input shows that it
 * changed nothing. Each test prints how many inputs it tried.
 */
class HostileInputSuiteTest {
    /** Strings no argument should trip over: whitespace, Unicode edge cases, SQL and tsquery syntax. */
    private static final List<String> NASTY_TEXT = List.of("", " ", "\t\n", "\u00A0\u00A0", "\u3000",
            "a\u0000b", "\u202Eevil\u202C", "\u200B\u200B", "\u200Dzw\u200C", "\uD83D\uDE80\uD83D\uDC4D",
            "e\u0301\u0301\u0301", "\uFF41\uFF42\uFF43", "\u0627\u0644\u0639\u0631\u0628\u064A\u0629", "\uFEFFbom",
            "'; drop table knowledge; --", "1 or 1=1", "\\x00\\'", "a & b | !c", "a:*", "(a", "a <-> b", "!!", "'a' & ",
            "%s%n%x", "${jndi:ldap://x}", "../../etc/passwd", "<script>x</script>", "a".repeat(65),
            "k".repeat(65_537), "acme:web", "global:default", "search.max_results", "XS");
    /** The same as raw JSON literals: lone surrogates and numbers no Java value holds, sent as written. */
    private static final List<String> NASTY_JSON = List.of("\"\\ud800\"", "\"x\\udc00y\"", "\"\\u0000\"",
            "9223372036854775807", "9223372036854775808", "-9223372036854775809", "18446744073709551616", "1e400",
            "-0", "0", "-1", "1.5", "2.0", "true", "false", "null", "[]", "{}", "[[[[[]]]]]", "{\"a\":{\"b\":1}}",
            "[\"ab\",1,null]", "\"" + "x".repeat(1_000_000) + "\"");
    private static final List<String> ALLOWED_GRPC = List.of("OK", "INVALID_ARGUMENT", "NOT_FOUND", "ALREADY_EXISTS",
            "FAILED_PRECONDITION", "OUT_OF_RANGE", "RESOURCE_EXHAUSTED");

    private static Stack stack;
    private static McpSyncClient mcp;
    private static ManagedChannel channel;
    private static Connection database;
    private static String ns;
    private static String digest;

    @BeforeAll
    static void start() throws SQLException {
        stack = Stack.start("hostile-suite");
        mcp = Mcp.client(stack.gateway(), Map.of());
        channel = ManagedChannelBuilder.forTarget(stack.grpcTarget()).usePlaintext().build();
        database = DriverManager.getConnection(stack.databaseUrl(), stack.postgres().user(), stack.postgres().password());
        ns = Mcp.unique("hostile");
        Mcp.ok(mcp, "create_namespace", Map.of("name", ns, "description", "Hostile input suite"));
        Mcp.ok(mcp, "create_scope", Map.of("scope", ns + ":web", "description", "Web"));
        for (int i = 0; i < 3; i++) {
            Mcp.ok(mcp, "write_knowledge", Map.of("scope", ns + ":default", "content", "Entry " + i + " of the suite",
                    "context", "hostile suite"));
        }
        digest = digest();
    }

    @AfterAll
    static void stop() throws SQLException {
        database.close();
        channel.shutdownNow();
        mcp.closeGracefully();
        stack.close();
    }

    // ---------------------------------------------------------------- MCP over HTTP

    /** One POST to /mcp: what it is, its headers and its body. */
    private record HttpInput(String what, Map<String, String> headers, byte[] body) {
        static HttpInput json(String what, String body) {
            return new HttpInput(what, Map.of(), body.getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void everyMalformedMcpRequestGetsAClearRefusalOrACorrectAnswer() throws Exception {
        List<HttpInput> inputs = new ArrayList<>();
        protocolInputs(inputs);
        argumentInputs(inputs);
        int refused = 0;
        List<String> failures = new ArrayList<>();
        for (HttpInput input : inputs) {
            HttpResponse<String> response;
            try {
                response = post(input, false);
            } catch (IOException closed) {
                if (input.body().length <= Mcp.BODY_LIMIT) {
                    throw closed;
                }
                // Past the body limit the gateway answers 413 at once and closes the connection without
                // reading the body, so a client still sending may see the close before the answer; a
                // client that asks first (Expect: 100-continue) always reads the 413.
                response = post(input, true);
                if (response.statusCode() != 413) {
                    failures.add(input.what() + ": past the body limit, answered " + response.statusCode());
                }
            }
            String body = response.body();
            String problem = null;
            if (response.statusCode() >= 500) {
                problem = "HTTP " + response.statusCode();
            } else if (body.contains("\"code\":-32603")) {
                problem = "an internal error";
            } else {
                problem = internals(body);
            }
            boolean refusal = response.statusCode() >= 400 || body.contains("\"error\"") || body.contains("\"isError\":true");
            if (problem == null) {
                problem = unchanged(refusal);
            }
            if (problem == null && input.what().startsWith("not JSON-RPC 2.0")) {
                problem = body.contains("\"code\":-32600") || body.contains("\"code\":-32602") ? null
                        : "no JSON-RPC error code";
            }
            if (refusal) {
                refused++;
            }
            if (problem != null) {
                failures.add(input.what() + ": " + problem + " -> " + response.statusCode() + " " + clip(body));
            }
        }
        System.out.printf("Hostile MCP HTTP inputs: %d tried, %d refused, %d answered, %d problems%n",
                inputs.size(), refused, inputs.size() - refused, failures.size());
        assertTrue(inputs.size() >= 500, "at least 500 inputs");
        assertTrue(failures.isEmpty(), () -> failures.size() + " problems:\n" + String.join("\n", failures));
        Mcp.ok(mcp, "get_task_context", Map.of("queries", List.of("suite"), "scope", ns + ":default"));
    }

    /** Broken JSON, JSON-RPC shapes, ids of every JSON type, batches, content types, sizes and depths. */
    private static void protocolInputs(List<HttpInput> inputs) {
        String call = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"get_task_context\","
                + "\"arguments\":{\"queries\":[\"suite\"],\"scope\":\"" + ns + ":default\"}}}";
        for (String broken : List.of("", " ", "{", "}", "[", "{\"jsonrpc\":", "{\"jsonrpc\":\"2.0\",}", "nul", "'x'",
                "{\"a\" 1}", "\u0000", "\uFEFF{}", "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\"}garbage")) {
            inputs.add(HttpInput.json("broken JSON " + clip(broken), broken));
        }
        for (int cut = 1; cut < call.length(); cut += call.length() / 12) {
            inputs.add(HttpInput.json("truncated at " + cut, call.substring(0, cut)));
        }
        Random random = new Random(20261128);
        for (int i = 0; i < 8; i++) {
            byte[] garbage = new byte[1 + random.nextInt(200)];
            random.nextBytes(garbage);
            inputs.add(new HttpInput("random bytes " + i, Map.of(), garbage));
        }
        inputs.add(new HttpInput("invalid UTF-8 in a string", Map.of(),
                concat(utf8(call.substring(0, call.indexOf("suite"))), new byte[] {(byte) 0xC3, (byte) 0x28},
                        utf8(call.substring(call.indexOf("suite") + 5)))));
        inputs.add(new HttpInput("overlong UTF-8 NUL in a string", Map.of(),
                concat(utf8(call.substring(0, call.indexOf("suite"))), new byte[] {(byte) 0xC0, (byte) 0x80},
                        utf8(call.substring(call.indexOf("suite") + 5)))));
        for (String body : List.of("null", "true", "42", "\"tools/list\"", "{}", "[]", "[1,2]")) {
            inputs.add(HttpInput.json("not JSON-RPC 2.0: body " + body, body));
        }
        for (String version : List.of("\"1.0\"", "\"2.1\"", "\"2\"", "2.0", "2", "null", "true", "[]", "{}", "\"\"")) {
            inputs.add(HttpInput.json("not JSON-RPC 2.0: jsonrpc " + version, call.replace("\"jsonrpc\":\"2.0\"", "\"jsonrpc\":" + version)));
        }
        inputs.add(HttpInput.json("not JSON-RPC 2.0: no jsonrpc", call.replace("\"jsonrpc\":\"2.0\",", "")));
        for (String params : List.of("\"x\"", "1", "[]", "[1,2]", "true", "null")) {
            inputs.add(HttpInput.json("not JSON-RPC 2.0: params " + params,
                    "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":" + params + "}"));
        }
        for (String method : List.of("\"tools/nope\"", "\"\"", "1", "null", "[]", "{}", "\"TOOLS/LIST\"", "\"rpc.discover\"")) {
            inputs.add(HttpInput.json("method " + method, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":" + method + "}"));
        }
        inputs.add(HttpInput.json("no method", "{\"jsonrpc\":\"2.0\",\"id\":3}"));
        for (String id : List.of("1", "-1", "0", "1.5", "\"x\"", "\"\"", "null", "true", "[]", "{}", "18446744073709551616",
                "1e400", "\"" + "i".repeat(10_000) + "\"")) {
            inputs.add(HttpInput.json("id " + clip(id), call.replace("\"id\":1", "\"id\":" + id)));
        }
        inputs.add(HttpInput.json("no id (a notification)", call.replace("\"id\":1,", "")));
        for (String tool : List.of("\"nope\"", "\"\"", "1", "null", "[]", "\"GET_TASK_CONTEXT\"", "\"get_task_context \"")) {
            inputs.add(HttpInput.json("tool name " + tool, call.replace("\"name\":\"get_task_context\"", "\"name\":" + tool)));
        }
        for (String arguments : List.of("\"x\"", "1", "[]", "null", "true")) {
            inputs.add(HttpInput.json("arguments " + arguments, call.replaceFirst("\"arguments\":\\{[^}]*}", "\"arguments\":" + arguments)));
        }
        inputs.add(HttpInput.json("batch of two", "[" + call + "," + call + "]"));
        inputs.add(HttpInput.json("batch of garbage", "[1,\"x\",null]"));
        inputs.add(HttpInput.json("batch of ten thousand", "[" + String.join(",", Collections.nCopies(10_000, call)) + "]"));
        inputs.add(HttpInput.json("a response, not a request", "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}"));
        inputs.add(HttpInput.json("an error, not a request", "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":{\"code\":1,\"message\":\"x\"}}"));
        for (String contentType : List.of("text/plain", "application/xml", "multipart/form-data; boundary=x",
                "application/x-www-form-urlencoded", "application/json; charset=ISO-8859-1", "", "application/json-patch+json")) {
            inputs.add(new HttpInput("content type " + contentType, Map.of("Content-Type", contentType),
                    call.getBytes(StandardCharsets.UTF_8)));
        }
        for (String accept : List.of("text/html", "application/xml", "text/event-stream", "*/*", "")) {
            inputs.add(new HttpInput("accept " + accept, Map.of("Accept", accept), call.getBytes(StandardCharsets.UTF_8)));
        }
        inputs.add(new HttpInput("protocol version 1999-01-01", Map.of("MCP-Protocol-Version", "1999-01-01"),
                call.getBytes(StandardCharsets.UTF_8)));
        inputs.add(HttpInput.json("a 5 MiB body", call.replace("\"suite\"", "\"" + "s".repeat(5 << 20) + "\"")));
        inputs.add(HttpInput.json("arrays nested 100,000 deep", "[".repeat(100_000) + "]".repeat(100_000)));
        inputs.add(HttpInput.json("objects nested 100,000 deep", "{\"a\":".repeat(100_000) + "1" + "}".repeat(100_000)));
        inputs.add(HttpInput.json("arguments nested 5,000 deep", call.replace("[\"suite\"]",
                "[".repeat(5_000) + "]".repeat(5_000))));
        inputs.add(HttpInput.json("a key of 1 MiB", call.replace("\"queries\"", "\"" + "q".repeat(1 << 20) + "\"")));
        StringBuilder manyKeys = new StringBuilder("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/list\",\"params\":{");
        for (int i = 0; i < 100_000; i++) {
            manyKeys.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":").append(i);
        }
        inputs.add(HttpInput.json("params with 100,000 keys", manyKeys.append("}}").toString()));
        inputs.add(HttpInput.json("duplicate keys", call.replace("\"id\":1,", "\"id\":1,\"id\":2,\"method\":\"x\",")));
    }

    /**
     * For every argument of every tool (as tools/list publishes them): each JSON type, missing and
     * unknown arguments, boundary lengths, whitespace, Unicode edge cases, SQL and tsquery text,
     * numbers at and past 64 bits, and arrays of 10,000 items; the other arguments are valid.
     */
    @SuppressWarnings("unchecked")
    private static void argumentInputs(List<HttpInput> inputs) {
        Map<String, Map<String, String>> valid = validArguments();
        for (McpSchema.Tool tool : mcp.listTools().tools()) {
            Map<String, String> arguments = valid.get(tool.name());
            assertTrue(arguments != null, "valid arguments for " + tool.name());
            Map<String, Object> properties = (Map<String, Object>) tool.inputSchema().get("properties");
            inputs.add(toolCall(tool.name(), arguments, "not_an_argument", "\"x\""));
            for (String required : (List<String>) tool.inputSchema().getOrDefault("required", List.of())) {
                inputs.add(toolCall(tool.name(), arguments, required, null));
            }
            for (Map.Entry<String, Object> property : properties.entrySet()) {
                String name = property.getKey();
                List<String> values = new ArrayList<>(NASTY_JSON);
                NASTY_TEXT.forEach(text -> values.add(jsonString(text)));
                Map<String, Object> schema = (Map<String, Object>) property.getValue();
                for (String bound : List.of("minLength", "maxLength", "minItems", "maxItems", "minimum", "maximum")) {
                    if (schema.get(bound) instanceof Number limit) {
                        long at = limit.longValue();
                        for (long length : List.of(at - 1, at, at + 1)) {
                            if (length >= 0 && bound.endsWith("Length")) {
                                values.add(jsonString("b".repeat((int) length)));
                            } else if (length >= 0 && bound.endsWith("Items")) {
                                values.add("[" + String.join(",", Collections.nCopies((int) length, "\"ab\"")) + "]");
                            } else if (bound.startsWith("mini") || bound.startsWith("maxi")) {
                                values.add(String.valueOf(length));
                            }
                        }
                    }
                }
                values.add("[" + String.join(",", Collections.nCopies(10_000, "\"" + ns + ":default\"")) + "]");
                values.add("[" + String.join(",", Collections.nCopies(10_000, "1")) + "]");
                for (String text : List.of(" ", "\u200B", "\u0000", "a:*", "'; drop table scope; --")) {
                    values.add("[" + jsonString(text) + "]");
                }
                for (String value : values) {
                    inputs.add(toolCall(tool.name(), arguments, name, value));
                }
            }
        }
    }

    /** Valid arguments of every tool, as JSON literals, none of them destructive when accepted. */
    private static Map<String, Map<String, String>> validArguments() {
        String scope = jsonString(ns + ":default");
        Map<String, Map<String, String>> valid = new LinkedHashMap<>();
        valid.put("get_namespaces", Map.of("namespace", jsonString(ns)));
        valid.put("create_namespace", Map.of("name", "\"hostile-made\"", "description", "\"Made by the suite\""));
        valid.put("update_namespace", Map.of("name", jsonString(ns), "description", "\"Hostile input suite\""));
        valid.put("delete_namespace", Map.of("name", "\"hostile-absent\""));
        valid.put("create_scope", Map.of("scope", jsonString(ns + ":made"), "description", "\"Made\""));
        valid.put("update_scope", Map.of("scope", jsonString(ns + ":web"), "description", "\"Web\""));
        valid.put("delete_scope", Map.of("scope", jsonString(ns + ":absent")));
        valid.put("write_knowledge", Map.of("scope", scope, "content", "\"Written by the suite\"", "context", "\"hostile\"",
                "if_similar", "\"write\"", "valid_until", "\"2099-01-01T00:00:00Z\""));
        valid.put("update_knowledge", Map.of("id", "\"1\"", "context", "\"hostile suite\"", "valid_until",
                "\"2099-01-01T00:00:00Z\""));
        valid.put("delete_knowledge", Map.of("id", "\"999999\""));
        valid.put("get_knowledge", Map.of("ids", "[\"1\"]"));
        valid.put("resolve_knowledge_conflict", Map.of("active_id", "\"999998\"", "suppressed_ids", "[\"999999\"]"));
        valid.put("get_task_context", Map.of("queries", "[\"suite\"]", "scope", scope));
        valid.put("get_audit_log", Map.of("namespace", jsonString(ns), "limit", "10"));
        valid.put("get_knowledge_history", Map.of("id", "\"1\"", "limit", "10"));
        valid.put("restore_knowledge", Map.of("id", "\"999999\"", "version", "1"));
        valid.put("purge_knowledge", Map.of("ids", "[\"999999\"]"));
        valid.put("list_stale", Map.of("scope", scope, "days", "30", "limit", "10",
                "after", "\"2000-01-01T00:00:00Z/1\""));
        valid.put("list_config", Map.of());
        valid.put("update_config", Map.of("key", "\"search.max_results\"", "value", "\"50\""));
        valid.put("reset_config", Map.of("key", "\"search.max_results\""));
        return valid;
    }

    /** A tools/call with {@code arguments}, where {@code name} is {@code value} (a JSON literal) or left out (null). */
    private static HttpInput toolCall(String tool, Map<String, String> arguments, String name, String value) {
        Map<String, String> all = new LinkedHashMap<>(arguments);
        if (value == null) {
            all.remove(name);
        } else {
            all.put(name, value);
        }
        StringBuilder json = new StringBuilder("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"")
                .append(tool).append("\",\"arguments\":{");
        String separator = "";
        for (Map.Entry<String, String> argument : all.entrySet()) {
            json.append(separator).append(jsonString(argument.getKey())).append(':').append(argument.getValue());
            separator = ",";
        }
        return HttpInput.json(tool + " " + name + (value == null ? " left out" : " = " + clip(value)),
                json.append("}}}").toString());
    }

    private static HttpResponse<String> post(HttpInput input, boolean expectContinue) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(stack.mcpUrl()))
                .timeout(Duration.ofSeconds(30))
                .expectContinue(expectContinue)
                .POST(HttpRequest.BodyPublishers.ofByteArray(input.body()));
        Map<String, String> headers = new LinkedHashMap<>(Map.of("Content-Type", "application/json",
                "Accept", "application/json, text/event-stream"));
        headers.putAll(input.headers());
        headers.forEach((name, value) -> {
            if (!value.isEmpty()) {
                request.header(name, value);
            }
        });
        return Mcp.HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    // ---------------------------------------------------------------- gRPC

    /** One gRPC call: the method and the request's bytes, which need not be a valid message. */
    private record GrpcInput(String what, MethodDescriptor<?, ?> method, byte[] request) {
    }

    @Test
    void everyMalformedGrpcRequestGetsAClearStatus() throws Exception {
        List<GrpcInput> inputs = new ArrayList<>();
        Map<String, String> valid = validRequests();
        for (ServiceDescriptor service : List.of(KnowledgeServiceGrpc.getServiceDescriptor(),
                NamespaceServiceGrpc.getServiceDescriptor(), ScopeServiceGrpc.getServiceDescriptor(),
                ConfigServiceGrpc.getServiceDescriptor(), AuditServiceGrpc.getServiceDescriptor())) {
            for (MethodDescriptor<?, ?> method : service.getMethods()) {
                Message prototype = (Message) ((MethodDescriptor.PrototypeMarshaller<?>) method.getRequestMarshaller())
                        .getMessagePrototype();
                String text = valid.get(method.getBareMethodName());
                assertTrue(text != null, "a valid request of " + method.getFullMethodName());
                Message base = TextFormat.parse(text, prototype.getClass().asSubclass(Message.class));
                grpcInputs(inputs, method, base);
            }
        }
        int refused = 0;
        List<String> failures = new ArrayList<>();
        for (GrpcInput input : inputs) {
            Status status = call(input);
            String problem = ALLOWED_GRPC.contains(status.getCode().name()) ? internals(String.valueOf(status.getDescription()))
                    : "status " + status.getCode();
            if (status.getCode() != Status.Code.OK) {
                refused++;
                if (problem == null && (status.getDescription() == null || status.getDescription().isBlank())) {
                    problem = "a refusal without a message";
                }
            }
            if (problem == null) {
                problem = unchanged(status.getCode() != Status.Code.OK);
            }
            if (problem != null) {
                failures.add(input.what() + ": " + problem + " -> " + status.getCode() + " " + clip(String.valueOf(status.getDescription())));
            }
        }
        System.out.printf("Hostile gRPC inputs: %d tried, %d refused, %d answered, %d problems%n",
                inputs.size(), refused, inputs.size() - refused, failures.size());
        assertTrue(inputs.size() >= 500, "at least 500 inputs");
        assertTrue(failures.isEmpty(), () -> failures.size() + " problems:\n" + String.join("\n", failures));
    }

    /** A valid request of each RPC in protobuf text format; none is destructive when accepted. */
    private static Map<String, String> validRequests() {
        Map<String, String> valid = new LinkedHashMap<>();
        valid.put("WriteKnowledge", "scope: '" + ns + ":default' content: 'Written by the suite' context: 'hostile' "
                + "if_similar: IF_SIMILAR_WRITE valid_until { seconds: 4102444800 }");
        valid.put("UpdateKnowledge", "id: 1 context: 'hostile suite' valid_until { seconds: 4102444800 }");
        valid.put("DeleteKnowledge", "id: 999999");
        valid.put("GetKnowledge", "ids: 1");
        valid.put("ResolveKnowledgeConflict", "active_id: 999998 suppressed_ids: 999999");
        valid.put("GetTaskContext", "queries: 'suite' scope: '" + ns + ":default'");
        valid.put("ExportKnowledge", "namespace: '" + ns + "'");
        valid.put("GetKnowledgeHistory", "id: 1 page_size: 10");
        valid.put("RestoreKnowledge", "id: 999999 version: 1");
        valid.put("PurgeKnowledge", "ids: 999999");
        valid.put("ListStaleKnowledge", "scope: '" + ns + ":default' days: 30 page_size: 10 after: '2000-01-01T00:00:00Z/1'");
        valid.put("ImportKnowledge", "entries { scope: '" + ns + ":default' content: 'Imported by the suite' context: 'hostile' }");
        valid.put("GetScope", "scope: '" + ns + ":web'");
        valid.put("CreateScope", "scope: '" + ns + ":made' description: 'Made'");
        valid.put("UpdateScope", "scope: '" + ns + ":web' description: 'Web'");
        valid.put("DeleteScope", "scope: '" + ns + ":absent'");
        valid.put("ListNamespaces", "name: '" + ns + "'");
        valid.put("CreateNamespace", "name: 'hostile-made-grpc' description: 'Made by the suite'");
        valid.put("UpdateNamespace", "name: '" + ns + "' description: 'Hostile input suite'");
        valid.put("DeleteNamespace", "name: 'hostile-absent'");
        valid.put("ListConfig", "");
        valid.put("ListAuditEvents", "namespace: '" + ns + "' page_size: 10");
        valid.put("UpdateConfig", "key: 'search.max_results' value: '50'");
        valid.put("ResetConfig", "key: 'search.max_results'");
        return valid;
    }

    /** Empty, invalid and boundary values of every field (nested ones too), and bytes that are not the message. */
    private static void grpcInputs(List<GrpcInput> inputs, MethodDescriptor<?, ?> method, Message base) {
        String rpc = method.getBareMethodName();
        inputs.add(new GrpcInput(rpc + " empty request", method, new byte[0]));
        Random random = new Random(rpc.hashCode());
        for (int i = 0; i < 3; i++) {
            byte[] garbage = new byte[1 + random.nextInt(64)];
            random.nextBytes(garbage);
            inputs.add(new GrpcInput(rpc + " random bytes " + i, method, garbage));
        }
        byte[] whole = base.toByteArray();
        if (whole.length > 2) {
            inputs.add(new GrpcInput(rpc + " truncated", method, java.util.Arrays.copyOf(whole, whole.length - 2)));
        }
        inputs.add(new GrpcInput(rpc + " unknown field 999", method, concat(whole, field(999, utf8("x")))));
        for (FieldDescriptor field : base.getDescriptorForType().getFields()) {
            String what = rpc + " " + field.getName();
            Message.Builder cleared = base.toBuilder().clearField(field);
            inputs.add(new GrpcInput(what + " left out", method, cleared.build().toByteArray()));
            for (Object value : values(field)) {
                inputs.add(new GrpcInput(what + " = " + clip(String.valueOf(value)), method,
                        with(base, field, value).toByteArray()));
            }
            if (field.getType() == FieldDescriptor.Type.STRING) {
                for (byte[] invalid : List.of(new byte[] {(byte) 0xC3, 0x28}, new byte[] {(byte) 0xC0, (byte) 0x80},
                        new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, new byte[] {(byte) 0xFF})) {
                    inputs.add(new GrpcInput(what + " = invalid UTF-8", method,
                            concat(cleared.build().toByteArray(), field(field.getNumber(), invalid))));
                }
            }
            if (field.getType() == FieldDescriptor.Type.MESSAGE && !field.isRepeated() || field.getType() == FieldDescriptor.Type.MESSAGE
                    && base.getRepeatedFieldCount(field) > 0) {
                Message nested = field.isRepeated() ? (Message) base.getRepeatedField(field, 0) : (Message) base.getField(field);
                for (FieldDescriptor inner : nested.getDescriptorForType().getFields()) {
                    for (Object value : values(inner)) {
                        inputs.add(new GrpcInput(what + "." + inner.getName() + " = " + clip(String.valueOf(value)), method,
                                with(base, field, with(nested, inner, value)).toByteArray()));
                    }
                }
                if (field.isRepeated()) {
                    inputs.add(new GrpcInput(what + " " + (Rules.IMPORT_BATCH_MAX + 1) + " items", method,
                            with(base, field, Collections.nCopies(Rules.IMPORT_BATCH_MAX + 1, nested)).toByteArray()));
                }
            }
        }
    }

    /** {@code message} with {@code field} replaced by {@code value} (for a repeated field: a list, or one item). */
    private static Message with(Message message, FieldDescriptor field, Object value) {
        Message.Builder builder = message.toBuilder().clearField(field);
        if (field.isRepeated() && value instanceof List<?> list) {
            list.forEach(item -> builder.addRepeatedField(field, item));
        } else if (field.isRepeated()) {
            builder.addRepeatedField(field, value);
        } else {
            builder.setField(field, value);
        }
        return builder.build();
    }

    /** Values of a field's type: empty, invalid, at and past limits. */
    private static List<Object> values(FieldDescriptor field) {
        List<Object> values = new ArrayList<>();
        switch (field.getJavaType()) {
            case STRING -> {
                values.addAll(NASTY_TEXT);
                for (int length : List.of(1, 2, 64, 65, 65_536)) {
                    values.add("c".repeat(length));
                }
            }
            case LONG -> values.addAll(List.of(0L, -1L, 1L, Long.MAX_VALUE, Long.MIN_VALUE, Rules.ID_MAX, Rules.ID_MAX + 1));
            case INT -> values.addAll(List.of(0, -1, 1, Integer.MAX_VALUE, Integer.MIN_VALUE));
            case BOOLEAN -> values.addAll(List.of(true, false));
            case ENUM -> {
                values.addAll(field.getEnumType().getValues());
                values.add(field.getEnumType().findValueByNumberCreatingIfUnknown(99));
                values.add(field.getEnumType().findValueByNumberCreatingIfUnknown(-1));
            }
            case MESSAGE -> values.add(com.google.protobuf.DynamicMessage.getDefaultInstance(field.getMessageType()));
            default -> {
            }
        }
        if (field.isRepeated() && field.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
            Object item = field.getJavaType() == FieldDescriptor.JavaType.STRING ? "ab" : values.isEmpty() ? null : values.get(2 % values.size());
            if (item != null) {
                values.add(Collections.nCopies(101, item));
                values.add(Collections.nCopies(10_000, item));
            }
        }
        return values;
    }

    private static Status call(GrpcInput input) {
        MethodDescriptor<byte[], byte[]> raw = RawMessages.rawBoth(input.method());
        CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(30, TimeUnit.SECONDS);
        try {
            if (raw.getType() == MethodDescriptor.MethodType.SERVER_STREAMING) {
                Iterator<byte[]> answers = ClientCalls.blockingServerStreamingCall(channel, raw, options, input.request());
                answers.forEachRemaining(answer -> { });
            } else {
                ClientCalls.blockingUnaryCall(channel, raw, options, input.request());
            }
            return Status.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus();
        }
    }

    /** A length-delimited field as raw bytes, whatever they hold. */
    private static byte[] field(int number, byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            CodedOutputStream coded = CodedOutputStream.newInstance(out);
            coded.writeByteArray(number, bytes);
            coded.flush();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    // ---------------------------------------------------------------- checks

    /**
     * Checks the database against the digest before the input: a refused input must have changed
     * nothing; an accepted one becomes the new baseline.
     */
    private static String unchanged(boolean refused) {
        String after = digest();
        String before = digest;
        digest = after;
        return refused && !after.equals(before) ? "a refused input changed the database" : null;
    }

    /** A digest of everything Kaizen keeps (not the search statistics, which a background task refreshes). */
    private static String digest() {
        StringBuilder all = new StringBuilder();
        try (Statement statement = database.createStatement()) {
            for (String table : List.of("namespace", "scope", "scope_parent", "config", "knowledge", "knowledge_text",
                    "knowledge_conflict_resolution")) {
                try (ResultSet rows = statement.executeQuery("SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
                        + " FROM " + table + " t")) {
                    rows.next();
                    all.append(table).append('=').append(rows.getString(1)).append(' ');
                }
            }
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
        return all.toString();
    }

    /** What an answer leaks of the implementation, or null when it leaks nothing. */
    private static String internals(String text) {
        for (String leak : List.of("SELECT ", "INSERT ", "UPDATE ", "SQLSTATE", "ERROR:", "Exception", "jackson", "io.grpc",
                "io.modelcontextprotocol", "java.", "org.postgresql", "dev.kaizen", "Schema$", "at dev.", "Cannot construct",
                "null pointer", "NullPointer", "helidon")) {
            if (text.contains(leak)) {
                return "leaks internals (" + leak + ")";
            }
        }
        return null;
    }

    private static String jsonString(String text) {
        StringBuilder json = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        return json.append('"').toString();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String clip(String text) {
        String flat = text.replace("\n", "\\n");
        return flat.length() > 80 ? flat.substring(0, 77) + "... (" + flat.length() + " characters)" : flat;
    }
}
