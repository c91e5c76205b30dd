package dev.kaizen.system;

import java.util.ArrayList;
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

/** History and restore through the MCP Java SDK's client against the real pair: nothing an agent writes is lost. */
class KnowledgeHistoryToolsTest {
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
    void aDeletedNamespaceIsRestoredEntryByEntryWithItsHistory() {
        String ns = Mcp.unique("hist");
        ok(mcp, "create_namespace", Map.of("name", ns, "description", "History"));
        List<String> scopes = List.of(ns + ":default", ns + ":api", ns + ":web");
        ok(mcp, "create_scope", Map.of("scope", scopes.get(1), "description", "API"));
        ok(mcp, "create_scope", Map.of("scope", scopes.get(2), "description", "Web"));
        List<String> ids = new ArrayList<>();
        for (String scope : scopes) {
            String id = (String) ok(mcp, "write_knowledge", Map.of("scope", scope, "content",
                    "Review checklist of " + scope + ".", "context", "review checklist")).get("id");
            ok(mcp, "update_knowledge", Map.of("id", id, "content", "Review checklist of " + scope + ", second edition."));
            ids.add(id);
        }

        ok(mcp, "delete_namespace", Map.of("name", ns));
        for (String id : ids) {
            Map<String, Object> history = ok(mcp, "get_knowledge_history", Map.of("id", id));
            assertEquals(true, history.get("deleted"));
            assertEquals(List.of("delete_namespace", "update", "write"), actions(history));
        }
        // the scope is gone: the answer says what to do
        String refusal = refused(mcp, "restore_knowledge", Map.of("id", ids.get(1)));
        assertTrue(refusal.contains("no longer exists") && refusal.contains("Give scope"), refusal);

        ok(mcp, "create_namespace", Map.of("name", ns, "description", "History, again"));
        ok(mcp, "create_scope", Map.of("scope", scopes.get(1), "description", "API"));
        ok(mcp, "create_scope", Map.of("scope", scopes.get(2), "description", "Web"));
        for (int i = 0; i < ids.size(); i++) {
            Map<String, Object> restored = ok(mcp, "restore_knowledge", Map.of("id", ids.get(i)));
            assertEquals(Map.of("id", ids.get(i), "scope", scopes.get(i), "version", 4, "restored_version", 3), restored);
            Map<String, Object> history = ok(mcp, "get_knowledge_history", Map.of("id", ids.get(i)));
            assertEquals(false, history.get("deleted"));
            assertEquals(List.of("restore", "delete_namespace", "update", "write"), actions(history));
            assertEquals("Review checklist of " + scopes.get(i) + ".", versions(history).getLast().get("content"),
                    "the first version is intact");
        }
        Map<String, Object> found = ok(mcp, "get_task_context", Map.of("queries", List.of("review checklist"),
                "scope", scopes.get(1)));
        List<String> foundIds = ((List<Map<String, Object>>) found.get("results")).stream()
                .map(result -> (String) result.get("id")).toList();
        assertTrue(foundIds.containsAll(List.of(ids.get(0), ids.get(1))), found.toString());
    }

    @Test
    void anEntryGoesBackThreeUpdates() {
        String ns = Mcp.unique("hist");
        ok(mcp, "create_namespace", Map.of("name", ns, "description", "History"));
        String id = (String) ok(mcp, "write_knowledge", Map.of("scope", ns + ":default", "content",
                "Release on Tuesdays.", "context", "release day", "task_size", "M")).get("id");
        for (String day : List.of("Wednesdays", "Thursdays", "Fridays")) {
            ok(mcp, "update_knowledge", Map.of("id", id, "content", "Release on " + day + "."));
        }
        Map<String, Object> restored = ok(mcp, "restore_knowledge", Map.of("id", id, "version", 1));
        assertEquals(5, restored.get("version"));
        Map<String, Object> entry = ((List<Map<String, Object>>) ok(mcp, "get_knowledge", Map.of("ids", List.of(id)))
                .get("entries")).getFirst();
        assertEquals("Release on Tuesdays.", entry.get("content"));
        assertEquals("M", entry.get("task_size"));

        Map<String, Object> page = ok(mcp, "get_knowledge_history", Map.of("id", id, "limit", 2));
        assertEquals(List.of(5, 4), versions(page).stream().map(version -> version.get("version")).toList());
        assertEquals(4, page.get("next_before_version"));
        Map<String, Object> older = ok(mcp, "get_knowledge_history", Map.of("id", id, "limit", 2,
                "before_version", page.get("next_before_version")));
        assertEquals(List.of(3, 2), versions(older).stream().map(version -> version.get("version")).toList());
        assertEquals("Release on Thursdays.", versions(older).getFirst().get("content"));

        String missing = refused(mcp, "restore_knowledge", Map.of("id", id));
        assertTrue(missing.contains("version is missing"), missing);
        String beyond = refused(mcp, "restore_knowledge", Map.of("id", id, "version", 6));
        assertTrue(beyond.contains("has versions 1-5"), beyond);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> versions(Map<String, Object> history) {
        return (List<Map<String, Object>>) history.get("versions");
    }

    private static List<Object> actions(Map<String, Object> history) {
        return versions(history).stream().map(version -> version.get("action")).toList();
    }
}
