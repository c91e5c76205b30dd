package dev.kaizen.system;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.kaizen.stack.ServiceProcess;
import dev.kaizen.stack.Stack;
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
    private static ServiceProcess gateway;
    private static McpSyncClient mcp;
    private static String ns;

    @BeforeAll
    static void start() {
        gateway = Stack.shared().gateway();
        mcp = Mcp.client(gateway, Map.of());
        ns = Mcp.unique("hostile");
        call("create_namespace", Map.of("name", ns, "description", "Hostile input"));
    }

    @AfterAll
    static void stop() {
        mcp.closeGracefully();
    }

    private static McpSchema.CallToolResult call(String tool, Map<String, Object> arguments) {
        return Mcp.call(mcp, tool, arguments);
    }

    private static String text(McpSchema.CallToolResult result) {
        return Mcp.text(result);
    }

    private static String refused(String tool, Map<String, Object> arguments) {
        return Mcp.refused(mcp, tool, arguments);
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
                        "scope", ns + ":default"),
                "write_knowledge content", Map.of("tool", "write_knowledge", "scope", ns + ":default",
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
    void unpairedSurrogatesAndNulAreRefusedNamingTheArgument() {
        // the Java client itself cannot send a lone surrogate (it encodes '?'), so the JSON says it with escapes
        for (String escaped : List.of("\\ud800", "fine \\udc00 not", "a\\u0000b")) {
            String body = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"write_knowledge\","
                    + "\"arguments\":{\"scope\":\"" + ns + ":default\",\"content\":\"" + escaped + "\",\"context\":\"broken\"}}}";
            String answer = Mcp.post(gateway, body, Map.of()).body();
            assertTrue(answer.contains("\"isError\":true") && answer.contains("content contains"), answer);
        }
        for (String broken : List.of("a\u0000b")) {
            assertTrue(refused("write_knowledge", Map.of("scope", ns + ":default", "content", broken, "context", "broken"))
                    .startsWith("content contains"));
            assertTrue(refused("get_task_context", Map.of("queries", List.of("ok", broken), "scope", ns + ":default"))
                    .startsWith("queries[1] contains"));
            assertTrue(refused("update_config", Map.of("key", "search.max_results", "value", broken))
                    .startsWith("value contains"));
        }
    }

    @Test
    void taskSizesAreExactlyTheDocumentedSpellings() {
        for (String size : List.of("\u017F", "x\u017F", "Xs", "xs", "s", "m ", " M", "XXL", "")) {
            assertTrue(refused("write_knowledge", Map.of("scope", ns + ":default", "content", "Sized", "context",
                    "sized", "task_size", size)).startsWith("task_size"), size);
        }
        for (String size : List.of("XS", "S", "M", "L", "XL")) {
            assertFalse(call("write_knowledge", Map.of("scope", ns + ":default", "content", "Sized", "context", "sized",
                    "task_size", size)).isError(), size);
        }
    }

    @Test
    void parentsBeyondTheHundredThatTheSchemaPublishesAreRefused() {
        List<String> tooMany = Collections.nCopies(101, ns + ":default");
        assertTrue(refused("create_scope", Map.of("scope", ns + ":many", "description", "Many", "parents", tooMany))
                .startsWith("parents has 101"));
        assertTrue(refused("create_scope", Map.of("scope", ns + ":many", "description", "Many",
                "parents", Collections.nCopies(10_000, ns + ":default"))).startsWith("parents has 10000"));
    }

    @Test
    void descriptionsOfInvisibleCharactersAreBlankAndEmojiCountAsOneCharacter() {
        for (String blank : List.of("\u00A0\u00A0", "\u0085\u0085\u0085", "\u200B\u200B")) {
            assertTrue(refused("create_namespace", Map.of("name", Mcp.unique("blank"), "description", blank))
                    .startsWith("description"));
        }
        McpSchema.CallToolResult emoji = call("create_namespace", Map.of("name", Mcp.unique("emoji"),
                "description", "\uD83D\uDE80".repeat(33)));
        assertFalse(emoji.isError(), () -> text(emoji));
    }
}
