package dev.kaizen.gateway;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
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

/** Tool arguments a hostile or broken client sends: each gets a short refusal, and the next call works. */
class HostileArgumentsTest {
    private static Stack stack;
    private static McpSyncClient mcp;

    @BeforeAll
    static void start() {
        stack = new Stack("hostile_arguments", Map.of());
        mcp = Stack.client(stack.gateway, Map.of());
        call("create_namespace", Map.of("name", "hostile", "description", "Hostile input"));
    }

    @AfterAll
    static void stop() {
        mcp.closeGracefully();
        stack.close();
    }

    private static McpSchema.CallToolResult call(String tool, Map<String, Object> arguments) {
        return mcp.callTool(McpSchema.CallToolRequest.builder(tool).arguments(arguments).build());
    }

    private static String text(McpSchema.CallToolResult result) {
        return ((McpSchema.TextContent) result.content().getFirst()).text();
    }

    private static String refused(String tool, Map<String, Object> arguments) {
        McpSchema.CallToolResult result = call(tool, arguments);
        assertTrue(result.isError(), () -> tool + " should be refused: " + text(result));
        TransportTest.assertNoInternals(text(result));
        return text(result);
    }

    @Test
    void aHundredThousandCharactersAnywhereGetAShortRefusalAndTheNextCallAnswersNormally() {
        String huge = "k".repeat(100_000);
        Map<String, Map<String, Object>> calls = Map.of(
                "update_config key", Map.of("tool", "update_config", "key", huge, "value", "1"),
                "update_config value", Map.of("tool", "update_config", "key", "search.language", "value", huge),
                "create_namespace name", Map.of("tool", "create_namespace", "name", huge, "description", "Big"),
                "write_knowledge scope", Map.of("tool", "write_knowledge", "scope", huge, "content", "c", "context", "cc"),
                "get_task_context queries", Map.of("tool", "get_task_context", "queries", List.of(huge),
                        "scope", "hostile:default"),
                "write_knowledge content", Map.of("tool", "write_knowledge", "scope", "hostile:default",
                        "content", huge, "context", "big"),
                "get_namespaces style", Map.of("tool", "get_namespaces", "style", huge));
        calls.forEach((what, call) -> {
            Map<String, Object> arguments = new HashMap<>(call);
            String tool = (String) arguments.remove("tool");
            String message = refused(tool, arguments);
            assertTrue(message.length() < 400, () -> what + ": " + message.length() + " characters");
            Instant start = Instant.now();
            McpSchema.CallToolResult next = call("list_config", Map.of());
            assertFalse(next.isError(), () -> "after " + what + ": " + text(next));
            assertTrue(Duration.between(start, Instant.now()).toMillis() < 1000, "after " + what);
        });
    }

    @Test
    void unpairedSurrogatesAndNulAreRefusedNamingTheArgument() throws Exception {
        // the Java client itself cannot send a lone surrogate (it encodes '?'), so the JSON says it with escapes
        for (String escaped : List.of("\\ud800", "fine \\udc00 not", "a\\u0000b")) {
            String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"write_knowledge\","
                    + "\"arguments\":{\"scope\":\"hostile:default\",\"content\":\"" + escaped + "\",\"context\":\"broken\"}}}";
            String answer = Stack.post(stack.gateway, body, Map.of()).body();
            assertTrue(answer.contains("\"isError\":true") && answer.contains("content contains"), answer);
        }
        for (String broken : List.of("a\u0000b")) {
            assertTrue(refused("write_knowledge", Map.of("scope", "hostile:default", "content", broken, "context", "broken"))
                    .startsWith("content contains"));
            assertTrue(refused("get_task_context", Map.of("queries", List.of("ok", broken), "scope", "hostile:default"))
                    .startsWith("queries[1] contains"));
            assertTrue(refused("update_config", Map.of("key", "search.max_results", "value", broken))
                    .startsWith("value contains"));
        }
    }

    @Test
    void taskSizesAreExactlyTheDocumentedSpellings() {
        for (String size : List.of("\u017F", "x\u017F", "Xs", "xs", "s", "m ", " M", "XXL", "")) {
            assertTrue(refused("write_knowledge", Map.of("scope", "hostile:default", "content", "Sized", "context",
                    "sized", "task_size", size)).startsWith("task_size"), size);
        }
        for (String size : List.of("XS", "S", "M", "L", "XL")) {
            assertFalse(call("write_knowledge", Map.of("scope", "hostile:default", "content", "Sized", "context", "sized",
                    "task_size", size)).isError(), size);
        }
    }

    @Test
    void parentsBeyondTheHundredThatTheSchemaPublishesAreRefused() {
        List<String> tooMany = Collections.nCopies(101, "hostile:default");
        assertTrue(refused("create_scope", Map.of("scope", "hostile:many", "description", "Many", "parents", tooMany))
                .startsWith("parents has 101"));
        assertTrue(refused("create_scope", Map.of("scope", "hostile:many", "description", "Many",
                "parents", Collections.nCopies(10_000, "hostile:default"))).startsWith("parents has 10000"));
    }

    @Test
    void descriptionsOfInvisibleCharactersAreBlankAndEmojiCountAsOneCharacter() {
        for (String blank : List.of("\u00A0\u00A0", "\u0085\u0085\u0085", "\u200B\u200B")) {
            assertTrue(refused("create_namespace", Map.of("name", "blank-desc", "description", blank))
                    .startsWith("description"));
        }
        McpSchema.CallToolResult emoji = call("create_namespace", Map.of("name", "emoji-desc",
                "description", "\uD83D\uDE80".repeat(33)));
        assertFalse(emoji.isError(), () -> text(emoji));
    }
}
