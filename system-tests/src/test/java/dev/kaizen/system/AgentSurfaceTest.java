package dev.kaizen.system;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.kaizen.stack.Stack;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.schema.jackson3.DefaultJsonSchemaValidator;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What an agent's MCP client meets beyond plain tool calls: answers that fit a context budget and
 * link what did not fit, resources to read an entry or a scope by reference, completions of scope
 * names, and an outputSchema for every tool that its results match.
 */
class AgentSurfaceTest {
    private static McpSyncClient mcp;
    private static String ns;

    @BeforeAll
    static void start() {
        mcp = Mcp.client(Stack.shared().gateway(), Map.of());
        ns = Mcp.unique("agent");
        Mcp.ok(mcp, "create_namespace", Map.of("name", ns, "description", "Agent surface"));
        Mcp.ok(mcp, "create_scope", Map.of("scope", ns + ":web", "description", "Web"));
    }

    @AfterAll
    static void stop() {
        mcp.closeGracefully();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> results(Map<String, Object> answer) {
        return (List<Map<String, Object>>) answer.get("results");
    }

    @Test
    void aBudgetedSearchStaysWithinItAndLinksWhatDidNotFit() throws Exception {
        String mark = Mcp.unique("budget").replace("-", "x");
        for (int i = 0; i < 12; i++) {
            Mcp.ok(mcp, "write_knowledge", Map.of("scope", ns + ":web", "content", "Entry " + i + " about " + mark + ". "
                    + "Long explanation. ".repeat(300), "context", mark));
        }
        McpSchema.CallToolResult result = Mcp.call(mcp, "get_task_context", Map.of("queries", List.of(mark),
                "scope", ns + ":web", "max_tokens", 500));
        assertFalse(result.isError(), () -> Mcp.text(result));
        String json = Mcp.text(result);
        long links = result.content().stream().filter(McpSchema.ResourceLink.class::isInstance).count();
        assertTrue(json.length() + 120 * links <= 500 * 4, "within 500 tokens: " + json.length() + " characters");
        @SuppressWarnings("unchecked")
        Map<String, Object> answer = (Map<String, Object>) result.structuredContent();
        assertEquals(12, answer.get("matched"));
        assertTrue((Integer) answer.get("more") > 0, "the answer says how many more matched");
        Map<String, Object> excerpt = results(answer).stream().filter(entry -> entry.containsKey("excerpt")).findFirst()
                .orElseThrow();
        assertTrue(links >= 1, "excerpts come with resource links");

        McpSchema.ReadResourceResult whole = mcp.readResource(new McpSchema.ReadResourceRequest((String) excerpt.get("uri")));
        String text = ((McpSchema.TextResourceContents) whole.contents().getFirst()).text();
        @SuppressWarnings("unchecked")
        Map<String, Object> entry = McpJsonDefaults.getMapper().readValue(text, Map.class);
        assertEquals(excerpt.get("id"), entry.get("id"));
        assertTrue(((String) entry.get("content")).length() > 5_000, "reading the link returns the entry whole");
        assertEquals(mark, entry.get("context"));

        Map<String, Object> next = Mcp.ok(mcp, "get_task_context", Map.of("queries", List.of(mark), "scope", ns + ":web",
                "max_tokens", 500, "offset", answer.get("next_offset")));
        assertFalse(results(next).isEmpty(), "next_offset reads on");
        assertFalse(results(answer).stream().map(r -> r.get("id")).toList().contains(results(next).getFirst().get("id")));

        Map<String, Object> unbudgeted = Mcp.ok(mcp, "get_task_context", Map.of("queries", List.of(mark),
                "scope", ns + ":web", "max_tokens", 200_000));
        assertTrue(results(unbudgeted).stream().allMatch(r -> r.containsKey("content")) && results(unbudgeted).size() == 12);
        assertTrue(Mcp.refused(mcp, "get_task_context", Map.of("queries", List.of(mark), "scope", ns + ":web",
                "max_tokens", 10)).startsWith("max_tokens 10 is out of range"));
    }

    @Test
    void aScopeIsAResourceAndScopeNamesComplete() throws Exception {
        McpSchema.ListResourceTemplatesResult templates = mcp.listResourceTemplates();
        assertEquals(List.of("kaizen://knowledge/{id}", "kaizen://scope/{scope}"),
                templates.resourceTemplates().stream().map(McpSchema.ResourceTemplate::uriTemplate).sorted().toList());
        Mcp.ok(mcp, "write_knowledge", Map.of("scope", ns + ":web", "content", "Counted.", "context", "counted"));
        String text = ((McpSchema.TextResourceContents) mcp.readResource(new McpSchema.ReadResourceRequest(
                "kaizen://scope/" + ns + ":web")).contents().getFirst()).text();
        @SuppressWarnings("unchecked")
        Map<String, Object> scope = McpJsonDefaults.getMapper().readValue(text, Map.class);
        assertEquals(ns + ":web", scope.get("scope"));
        assertEquals(List.of(ns + ":default"), scope.get("parents"));
        assertTrue(((Number) scope.get("entries")).intValue() >= 1);

        McpSchema.CompleteResult completed = mcp.completeCompletion(new McpSchema.CompleteRequest(
                new McpSchema.ResourceReference("kaizen://scope/{scope}"),
                new McpSchema.CompleteRequest.CompleteArgument("scope", ns + ":")));
        assertEquals(List.of(ns + ":default", ns + ":web"), completed.completion().values().stream().sorted().toList());
        McpSchema.CompleteResult forPrompt = mcp.completeCompletion(new McpSchema.CompleteRequest(
                new McpSchema.PromptReference("optimize_search_queries"),
                new McpSchema.CompleteRequest.CompleteArgument("scope", ns + ":w")));
        assertEquals(List.of(ns + ":web"), forPrompt.completion().values());

        Exception missing = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> mcp.readResource(
                new McpSchema.ReadResourceRequest("kaizen://knowledge/999999999")));
        Mcp.assertNoInternals(missing.getMessage());
    }

    @Test
    void everyToolDeclaresAnOutputSchemaAndItsResultsMatchIt() {
        DefaultJsonSchemaValidator validator = new DefaultJsonSchemaValidator();
        Map<String, McpSchema.Tool> tools = new HashMap<>();
        mcp.listTools().tools().forEach(tool -> tools.put(tool.name(), tool));
        tools.values().forEach(tool -> assertNotNull(tool.outputSchema(), tool.name() + " has an outputSchema"));

        String other = Mcp.unique("schemas");
        String id = (String) Mcp.ok(mcp, "write_knowledge", Map.of("scope", ns + ":web", "content", "Schema check.",
                "context", "schema check", "task_size", "M")).get("id");
        String second = (String) Mcp.ok(mcp, "write_knowledge", Map.of("scope", ns + ":web", "content", "Schema two.",
                "context", "schema check")).get("id");
        Map<String, Map<String, Object>> calls = new LinkedHashMap<>();
        calls.put("create_namespace", Map.of("name", other, "description", "Schemas"));
        calls.put("update_namespace", Map.of("name", other, "description", "Schemas again"));
        calls.put("get_namespaces", Map.of("namespace", other, "style", "details"));
        calls.put("create_scope", Map.of("scope", other + ":xs", "description", "Scope X"));
        calls.put("update_scope", Map.of("scope", other + ":xs", "description", "Scope X again"));
        calls.put("write_knowledge", Map.of("scope", other + ":xs", "content", "In x.", "context", "xx"));
        calls.put("update_knowledge", Map.of("id", id, "context", "schema check again"));
        calls.put("get_knowledge", Map.of("ids", List.of(id, second)));
        calls.put("get_task_context", Map.of("queries", List.of("schema check"), "scope", ns + ":web", "max_tokens", 300));
        calls.put("resolve_knowledge_conflict", Map.of("active_id", id, "suppressed_ids", List.of(second)));
        calls.put("delete_knowledge", Map.of("id", second));
        calls.put("get_knowledge_history", Map.of("id", second, "limit", 5));
        calls.put("restore_knowledge", Map.of("id", second));
        calls.put("purge_knowledge", Map.of("ids", List.of("999999999")));
        calls.put("list_stale", Map.of("scope", ns + ":web", "days", 1, "limit", 5));
        calls.put("list_config", Map.of());
        calls.put("update_config", Map.of("key", "search.max_results", "value", "50"));
        calls.put("reset_config", Map.of("key", "search.max_results"));
        calls.put("get_audit_log", Map.of("namespace", other, "limit", 2));
        calls.put("delete_scope", Map.of("scope", other + ":xs"));
        calls.put("delete_namespace", Map.of("name", other));
        assertEquals(tools.keySet(), calls.keySet(), "every tool is called");
        calls.forEach((tool, arguments) -> {
            McpSchema.CallToolResult result = Mcp.call(mcp, tool, arguments);
            assertFalse(result.isError(), () -> tool + ": " + Mcp.text(result));
            var validation = validator.validate(tools.get(tool).outputSchema(), result.structuredContent());
            assertTrue(validation.valid(), () -> tool + " does not match its outputSchema: " + validation.errorMessage());
        });
    }
}
