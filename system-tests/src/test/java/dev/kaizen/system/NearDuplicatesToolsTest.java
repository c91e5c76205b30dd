package dev.kaizen.system;

import java.util.List;
import java.util.Map;

import dev.kaizen.stack.Stack;
import io.modelcontextprotocol.client.McpSyncClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.kaizen.system.Mcp.ok;
import static dev.kaizen.system.Mcp.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Near-duplicates through the MCP Java SDK's client against the real pair: an agent is told before it adds a near-copy. */
class NearDuplicatesToolsTest {
    private static final String LESSON = "Pin the Node.js version in .nvmrc and in the CI image. Builds on a newer "
            + "Node.js broke twice when a dependency dropped support for the old one. Upgrade both in one change.";
    private static final String REWORDED = "Builds on a newer Node.js broke twice when a dependency dropped support "
            + "for the old one. Pin the Node.js version in .nvmrc and in the CI image. Upgrade both in one commit.";

    private static McpSyncClient mcp;

    @BeforeAll
    static void start() {
        mcp = Mcp.client(Stack.shared().gateway(), Map.of());
    }

    @AfterAll
    static void stop() {
        mcp.closeGracefully();
    }

    @Test
    void aRewordedLessonNamesTheEntryItRepeatsAndSkipWritesNothing() {
        String ns = Mcp.unique("near");
        ok(mcp, "create_namespace", Map.of("name", ns, "description", "Near-duplicates"));
        ok(mcp, "create_scope", Map.of("scope", ns + ":web", "description", "Web"));
        String original = (String) ok(mcp, "write_knowledge", Map.of("scope", ns + ":default", "content", LESSON,
                "context", "nodejs version pinning")).get("id");

        Map<String, Object> written = ok(mcp, "write_knowledge", Map.of("scope", ns + ":web", "content", REWORDED,
                "context", "nodejs version"));
        assertEquals(true, written.get("written"));
        assertEquals(ns + ":web", written.get("scope"));
        List<Map<String, Object>> similar = similar(written);
        assertEquals(1, similar.size(), written.toString());
        assertEquals(original, similar.getFirst().get("id"));
        assertEquals(ns + ":default", similar.getFirst().get("scope"));
        double similarity = ((Number) similar.getFirst().get("similarity")).doubleValue();
        assertTrue(similarity >= 0.8 && similarity < 1, "one word changed, sentences reordered: " + similarity);

        Map<String, Object> skipped = ok(mcp, "write_knowledge", Map.of("scope", ns + ":default", "content", REWORDED,
                "context", "nodejs version", "if_similar", "skip"));
        assertEquals(false, skipped.get("written"));
        assertEquals(original, skipped.get("id"), "the closest entry: the same words as the original");
        assertEquals(ns + ":default", skipped.get("scope"));

        Map<String, Object> other = ok(mcp, "write_knowledge", Map.of("scope", ns + ":web", "content",
                "Icons come from the shared sprite sheet; do not inline SVG files in components.", "context", "icons svg",
                "if_similar", "skip"));
        assertEquals(true, other.get("written"));
        assertEquals(List.of(), similar(other));
        Map<String, Object> found = ok(mcp, "get_task_context", Map.of("queries", List.of("pin nodejs version"),
                "scope", ns + ":web"));
        assertEquals(2, ((List<?>) found.get("results")).size(), "the skipped copy was not written: " + found);

        String refusal = refused(mcp, "write_knowledge", Map.of("scope", ns + ":web", "content", LESSON, "context",
                "nodejs", "if_similar", "merge"));
        assertTrue(refusal.contains("if_similar") && refusal.contains("skip"), refusal);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> similar(Map<String, Object> written) {
        return (List<Map<String, Object>>) written.get("similar");
    }
}
