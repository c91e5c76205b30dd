package dev.kaizen.system;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import dev.kaizen.stack.Stack;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.kaizen.system.Mcp.ok;
import static dev.kaizen.system.Mcp.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every tool and prompt through the MCP Java SDK's client over Streamable HTTP, against the real pair. */
class McpToolsTest {
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
    void listsEveryToolWithDescribedSchemasAndAnnotations() {
        List<McpSchema.Tool> tools = mcp.listTools().tools();
        assertEquals(Set.of("get_namespaces", "create_namespace", "update_namespace", "delete_namespace", "create_scope",
                        "update_scope", "delete_scope", "write_knowledge", "update_knowledge", "delete_knowledge",
                        "get_knowledge", "resolve_knowledge_conflict", "get_task_context", "list_config", "update_config",
                        "reset_config", "get_audit_log", "get_knowledge_history", "restore_knowledge", "purge_knowledge",
                        "list_stale"),
                tools.stream().map(McpSchema.Tool::name).collect(Collectors.toSet()));
        for (McpSchema.Tool tool : tools) {
            assertFalse(tool.description().isBlank(), tool.name());
            assertEquals("object", tool.inputSchema().get("type"), tool.name());
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> properties = (Map<String, Map<String, Object>>) tool.inputSchema().get("properties");
            properties.forEach((name, schema) -> assertNotNull(schema.get("description"), tool.name() + "." + name));
            boolean readOnly = Set.of("get_namespaces", "get_knowledge", "get_task_context", "list_config", "get_audit_log",
                            "get_knowledge_history", "list_stale")
                    .contains(tool.name());
            assertEquals(readOnly, tool.annotations().readOnlyHint(), tool.name());
            assertEquals(tool.name().startsWith("delete_") || tool.name().equals("purge_knowledge"),
                    tool.annotations().destructiveHint(), tool.name());
        }
        McpSchema.Tool write = tools.stream().filter(tool -> tool.name().equals("write_knowledge")).findFirst().orElseThrow();
        assertTrue(write.inputSchema().toString().contains("1-20 space-separated keywords"), "descriptions quote the rules");
    }

    @Test
    void servesBothPrompts() {
        assertEquals(Set.of("optimize_knowledge_entry", "optimize_search_queries"),
                mcp.listPrompts().prompts().stream().map(McpSchema.Prompt::name).collect(Collectors.toSet()));
        McpSchema.GetPromptResult prompt = mcp.getPrompt(McpSchema.GetPromptRequest.builder("optimize_search_queries")
                .arguments(Map.of("task", "Add an index to the orders table")).build());
        String text = ((McpSchema.TextContent) prompt.messages().getFirst().content()).text();
        assertTrue(text.contains("2-5 focused queries") && text.contains("Add an index to the orders table"), text);
        assertFalse(((McpSchema.TextContent) mcp.getPrompt(McpSchema.GetPromptRequest.builder("optimize_knowledge_entry")
                .build()).messages().getFirst().content()).text().isBlank());
    }

    @Test
    void namespaceToolsCreateListRenameAndDelete() {
        String name = Mcp.unique("team");
        assertEquals(Map.of("name", name, "description", "The team", "scopes", Map.of("default", Map.of("description", "The team"))),
                ok(mcp, "create_namespace", Map.of("name", name, "description", "The team")));
        ok(mcp, "create_scope", Map.of("scope", name + ":web", "description", "Web"));

        assertEquals(Map.of(name, Map.of("description", "The team")),
                ok(mcp, "get_namespaces", Map.of("namespace", name)).get("namespaces"));
        assertEquals(Map.of(name, Map.of("description", "The team", "scopes", Map.of(
                        "default", Map.of("description", "The team"), "web", Map.of("description", "Web")))),
                ok(mcp, "get_namespaces", Map.of("namespace", name, "style", "long")).get("namespaces"));
        assertEquals(Map.of(name, Map.of("description", "The team", "scopes", Map.of(
                        "default", Map.of("description", "The team", "parents", List.of("global:default")),
                        "web", Map.of("description", "Web", "parents", List.of(name + ":default"))))),
                ok(mcp, "get_namespaces", Map.of("namespace", name, "style", "details")).get("namespaces"));

        String renamed = Mcp.unique("crew");
        Map<String, Object> updated = ok(mcp, "update_namespace", Map.of("name", name, "new_name", renamed));
        assertEquals(renamed, updated.get("name"));
        assertEquals(Set.of("default", "web"), ((Map<?, ?>) updated.get("scopes")).keySet());
        ok(mcp, "write_knowledge", Map.of("scope", renamed + ":web", "content", "Doomed", "context", "doomed"));

        assertEquals(Map.of("name", renamed, "scopes_deleted", 2, "knowledge_deleted", 1),
                ok(mcp, "delete_namespace", Map.of("name", renamed)));
    }

    @Test
    void scopeToolsCreateReparentRenameAndDelete() {
        String ns = Mcp.unique("org");
        ok(mcp, "create_namespace", Map.of("name", ns, "description", "Org"));
        ok(mcp, "create_scope", Map.of("scope", ns + ":base", "description", "Base"));
        assertEquals(Map.of("scope", ns + ":app", "description", "App", "parents", List.of(ns + ":base", ns + ":default")),
                ok(mcp, "create_scope", Map.of("scope", ns + ":app", "description", "App", "parents", List.of(ns + ":base"))));
        assertEquals(Map.of("scope", ns + ":service", "description", "Service", "parents", List.of(ns + ":default")),
                ok(mcp, "update_scope", Map.of("scope", ns + ":app", "new_scope", ns + ":service", "description", "Service",
                        "parents", List.of())));
        ok(mcp, "write_knowledge", Map.of("scope", ns + ":service", "content", "One", "context", "one"));
        assertEquals(Map.of("scope", ns + ":service", "knowledge_deleted", 1),
                ok(mcp, "delete_scope", Map.of("scope", ns + ":service")));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> results(Map<String, Object> taskContext) {
        return (List<Map<String, Object>>) taskContext.get("results");
    }

    @Test
    void knowledgeToolsWriteFindUpdateResolveAndDelete() {
        String ns = Mcp.unique("shop");
        ok(mcp, "create_namespace", Map.of("name", ns, "description", "Shop"));
        ok(mcp, "create_scope", Map.of("scope", ns + ":checkout", "description", "Checkout"));
        String marker = Mcp.unique("cart").replace("-", "x");
        Map<String, Object> written = ok(mcp, "write_knowledge", Map.of("scope", ns + ":default",
                "content", "Keep the cart in the session.", "context", marker + " session", "task_size", "M"));
        String shared = (String) written.get("id");
        assertTrue(shared.matches("\\d+"), "ids are decimal strings");
        String local = (String) ok(mcp, "write_knowledge", Map.of("scope", ns + ":checkout",
                "content", "Checkout recomputes the cart.", "context", marker + " checkout")).get("id");

        List<Map<String, Object>> results = results(ok(mcp, "get_task_context",
                Map.of("queries", List.of(marker), "scope", ns + ":checkout")));
        assertEquals(List.of(local, shared), results.stream().map(result -> result.get("id")).toList(),
                "one list, best first; the nearer scope wins the tie");
        Map<String, Object> first = results.getFirst();
        assertEquals(List.of("id", "scope", "relevance", "content", "match"), List.copyOf(first.keySet()));
        assertEquals(ns + ":checkout", first.get("scope"));
        assertEquals("words", first.get("match"), "semantic recall is off in these tests: found by its words");
        assertEquals("Checkout recomputes the cart.", first.get("content"));
        assertTrue(((Number) first.get("relevance")).doubleValue() >= 0.5, "holds every word of the query");
        assertEquals(List.of(local), results(ok(mcp, "get_task_context", Map.of("queries", List.of(marker),
                "scope", ns + ":checkout", "task_size", "L"))).stream().map(result -> result.get("id")).toList(),
                "task size L leaves out the M entry");

        @SuppressWarnings("unchecked")
        Map<String, Object> entry = ((List<Map<String, Object>>) ok(mcp, "get_knowledge",
                Map.of("ids", List.of(shared, Long.parseLong(local)))).get("entries")).getFirst();
        assertEquals(shared, entry.get("id"));
        assertEquals("M", entry.get("task_size"));
        assertEquals(false, entry.get("suppressed"));
        assertTrue(((String) entry.get("create_time")).endsWith("Z"));

        assertEquals(Map.of("id", shared, "scope", ns + ":checkout"), ok(mcp, "update_knowledge",
                Map.of("id", Long.parseLong(shared), "scope", ns + ":checkout", "task_size", "XL")));
        Map<String, Object> cleared = new java.util.HashMap<>(Map.of("id", shared));
        cleared.put("task_size", null);
        ok(mcp, "update_knowledge", cleared);
        @SuppressWarnings("unchecked")
        Map<String, Object> after = ((List<Map<String, Object>>) ok(mcp, "get_knowledge", Map.of("ids", List.of(shared)))
                .get("entries")).getFirst();
        assertEquals(null, after.get("task_size"), "null removes the task size");

        assertEquals(Map.of("active_id", local, "suppressed_ids", List.of(shared)),
                ok(mcp, "resolve_knowledge_conflict", Map.of("active_id", local, "suppressed_ids", List.of(shared))));
        assertEquals(List.of(local), results(ok(mcp, "get_task_context", Map.of("queries", List.of(marker),
                "scope", ns + ":checkout"))).stream().map(result -> result.get("id")).toList(), "the suppressed entry is hidden");

        assertEquals(Map.of("id", shared), ok(mcp, "delete_knowledge", Map.of("id", shared)));
        assertTrue(refused(mcp, "get_knowledge", Map.of("ids", List.of(shared))).contains("does not exist"));
    }

    @Test
    void configToolsListUpdateAndReset() {
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> configs = (Map<String, Map<String, Object>>) ok(mcp, "list_config", Map.of()).get("configs");
        assertEquals(Map.of("value", "50", "default_value", "50", "type", "integer",
                "description", configs.get("search.max_results").get("description")), configs.get("search.max_results"));
        assertEquals(Map.of("key", "search.max_results", "old_value", "50", "new_value", "20"),
                ok(mcp, "update_config", Map.of("key", "search.max_results", "value", "20")));
        assertEquals(Map.of("key", "search.max_results", "value", "50"), ok(mcp, "reset_config", Map.of("key", "search.max_results")));
        assertTrue(refused(mcp, "update_config", Map.of("key", "search.max_results", "value", "5000")).contains("out of range"));
    }

    @Test
    void eachKindOfRejectionIsAnErrorResultThatSaysHowToFixIt() {
        String ns = Mcp.unique("rules");
        ok(mcp, "create_namespace", Map.of("name", ns, "description", "Rules"));
        ok(mcp, "create_scope", Map.of("scope", ns + ":aa", "description", "Aa"));
        ok(mcp, "create_scope", Map.of("scope", ns + ":bb", "description", "Bb", "parents", List.of(ns + ":aa")));

        assertTrue(refused(mcp, "create_namespace", Map.of("name", "Not Valid", "description", "Fine")).contains("a-z"));
        assertTrue(refused(mcp, "create_namespace", Map.of("name", ns, "description", "Again")).contains("already exists"));
        assertTrue(refused(mcp, "create_namespace", Map.of("description", "No name")).contains("name is missing"));
        assertTrue(refused(mcp, "create_namespace", Map.of("name", 42, "description", "Typed")).contains("must be a string"));
        assertTrue(refused(mcp, "create_namespace", Map.of("name", ns + "x", "description", "Extra", "colour", "red"))
                .contains("Unknown argument 'colour'"));
        assertTrue(refused(mcp, "delete_namespace", Map.of("name", "global")).contains("protected"));
        assertTrue(refused(mcp, "delete_scope", Map.of("scope", ns + ":default")).contains("default scope"));
        assertTrue(refused(mcp, "update_scope", Map.of("scope", ns + ":aa", "parents", List.of(ns + ":bb"))).contains("cycle"));
        assertTrue(refused(mcp, "write_knowledge", Map.of("scope", ns + ":missing", "content", "x", "context", "x1"))
                .contains("does not exist"));
        assertTrue(refused(mcp, "write_knowledge", Map.of("scope", ns + ":aa", "content", "x", "context", "Bad_Keyword"))
                .startsWith("context"));
        assertTrue(refused(mcp, "get_knowledge", Map.of("ids", List.of("forty-two"))).contains("not a valid id"));
        assertTrue(refused(mcp, "get_task_context", Map.of("queries", List.of(), "scope", ns + ":aa")).startsWith("queries"));
        assertTrue(refused(mcp, "write_knowledge", Map.of("scope", ns + ":aa", "content", "x", "context", "ok", "task_size", "XXL"))
                .contains("XS, S, M, L, XL"));

        McpError unknown = assertThrows(McpError.class, () -> mcp.callTool(
                McpSchema.CallToolRequest.builder("drop_everything").arguments(Map.of()).build()));
        assertEquals(-32602, unknown.getJsonRpcError().code());
    }
}
