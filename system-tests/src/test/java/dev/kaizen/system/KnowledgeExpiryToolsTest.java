package dev.kaizen.system;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.kaizen.stack.Await;
import dev.kaizen.stack.Stack;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.json.schema.jackson3.DefaultJsonSchemaValidator;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.kaizen.system.Mcp.ok;
import static dev.kaizen.system.Mcp.refused;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Expiry and review through the MCP Java SDK's client against the real pair: entries written with a
 * valid_until leave get_task_context once it passes, get_knowledge shows them as expired, list_stale
 * lists them for review a page at a time, and an update brings one back.
 */
class KnowledgeExpiryToolsTest {
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
    void expiredEntriesLeaveTheSearchAndAreListedForReview() {
        String ns = Mcp.unique("expiry");
        String scope = ns + ":team";
        ok(mcp, "create_namespace", Map.of("name", ns, "description", "Expiry"));
        ok(mcp, "create_scope", Map.of("scope", scope, "description", "Team"));
        String mark = Mcp.unique("freeze").replace("-", "x");
        String lasting = write(scope, "Tag every " + mark + " release.", mark,
                Map.of("valid_until", "2099-12-31T23:00:00-01:00"));
        String timeless = write(scope, "Write release notes for " + mark + ".", mark, Map.of());
        // a second or two from now, as RFC 3339 with an offset
        Instant expiry = Instant.now().plus(Duration.ofSeconds(2)).truncatedTo(ChronoUnit.MILLIS);
        String soon = DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(expiry.atOffset(ZoneOffset.ofHours(2)));
        List<String> expiring = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            expiring.add(write(scope, "Freeze merges " + i + " days before the " + mark + " release.", mark,
                    Map.of("valid_until", soon)));
        }
        assertTrue(found(scope, mark).containsAll(expiring), "found until their valid_until");

        Await.until("the expired entries leave get_task_context", Duration.ofSeconds(30),
                () -> found(scope, mark).stream().noneMatch(expiring::contains));
        assertEquals(List.of(lasting, timeless).stream().sorted().toList(), found(scope, mark).stream().sorted().toList());

        List<Map<String, Object>> entries = entries(ok(mcp, "get_knowledge", Map.of("ids", List.of(expiring.getFirst(), lasting,
                timeless))));
        assertEquals(List.of(true, false, false), entries.stream().map(entry -> entry.get("expired")).toList());
        assertEquals(expiry.toString(), entries.getFirst().get("valid_until"), "valid_until in UTC, as every time");
        assertEquals("2100-01-01T00:00:00Z", entries.get(1).get("valid_until"));
        assertEquals(null, entries.get(2).get("valid_until"));
        Map<String, Object> history = ok(mcp, "get_knowledge_history", Map.of("id", expiring.getFirst()));
        assertEquals(entries.getFirst().get("valid_until"), versions(history).getFirst().get("valid_until"), "history keeps it");

        // reviewed a page at a time, oldest update first, each with why
        Map<String, Object> first = ok(mcp, "list_stale", Map.of("scope", scope, "limit", 2));
        assertMatchesOutputSchema("list_stale", first);
        assertEquals(expiring.subList(0, 2), ids(first));
        Map<String, Object> oldest = entries(first).getFirst();
        assertEquals("expired", oldest.get("reason"));
        assertEquals(scope, oldest.get("scope"));
        assertEquals(mark, oldest.get("context"));
        assertEquals("Freeze merges 0 days before the " + mark + " release.", oldest.get("excerpt"));
        assertEquals(entries.getFirst().get("valid_until"), oldest.get("valid_until"));
        Map<String, Object> rest = ok(mcp, "list_stale", Map.of("scope", scope, "limit", 2, "after", first.get("next_after")));
        assertEquals(expiring.subList(2, 3), ids(rest));
        assertFalse(rest.containsKey("next_after"), "the last page says so by leaving next_after out");

        // an entry that holds again is updated: it is found again and leaves the list
        ok(mcp, "update_knowledge", Map.of("id", expiring.getFirst(), "valid_until", "2099-01-01T00:00:00Z"));
        Map<String, Object> clear = new HashMap<>(Map.of("id", expiring.get(1)));
        clear.put("valid_until", null);
        ok(mcp, "update_knowledge", clear);
        assertTrue(found(scope, mark).containsAll(expiring.subList(0, 2)), "found again");
        assertEquals(expiring.subList(2, 3), ids(ok(mcp, "list_stale", Map.of("scope", scope))));
        assertEquals(List.of(), ids(ok(mcp, "list_stale", Map.of("scope", ns + ":default"))), "one scope at a time");
    }

    @Test
    void badTimesAndArgumentsAreRefusedWithASentence() {
        String ns = Mcp.unique("expiry");
        ok(mcp, "create_namespace", Map.of("name", ns, "description", "Expiry"));
        String scope = ns + ":default";
        String past = refused(mcp, "write_knowledge", Map.of("scope", scope, "content", "Too late.", "context", "late",
                "valid_until", "2020-01-01T00:00:00Z"));
        assertTrue(past.startsWith("valid_until 2020-01-01T00:00:00Z is not in the future"), past);
        String notATime = refused(mcp, "write_knowledge", Map.of("scope", scope, "content", "Soon.", "context", "soon",
                "valid_until", "next friday"));
        assertEquals("valid_until 'next friday' is not a time: give an RFC 3339 time with its offset, e.g. "
                + "2027-03-31T00:00:00Z or 2027-03-31T09:00:00+02:00.", notATime);
        assertTrue(refused(mcp, "list_stale", Map.of("scope", scope, "days", 0)).startsWith("days 0 is out of range"));
        assertTrue(refused(mcp, "list_stale", Map.of("scope", scope, "after", "page 2"))
                .startsWith("after 'page 2' is not a position in the list"));
        assertTrue(refused(mcp, "list_stale", Map.of("scope", ns + ":absent")).contains("does not exist"));
    }

    /** Writes an entry; its id. */
    private static String write(String scope, String content, String context, Map<String, Object> more) {
        Map<String, Object> arguments = new HashMap<>(Map.of("scope", scope, "content", content, "context", context));
        arguments.putAll(more);
        return (String) ok(mcp, "write_knowledge", arguments).get("id");
    }

    /** The ids get_task_context finds for {@code query} from {@code scope}. */
    @SuppressWarnings("unchecked")
    private static List<String> found(String scope, String query) {
        return ((List<Map<String, Object>>) ok(mcp, "get_task_context", Map.of("queries", List.of(query), "scope", scope))
                .get("results")).stream().map(result -> (String) result.get("id")).toList();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> entries(Map<String, Object> answer) {
        return (List<Map<String, Object>>) answer.get("entries");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> versions(Map<String, Object> history) {
        return (List<Map<String, Object>>) history.get("versions");
    }

    private static List<Object> ids(Map<String, Object> answer) {
        return entries(answer).stream().map(entry -> entry.get("id")).toList();
    }

    private static void assertMatchesOutputSchema(String tool, Map<String, Object> result) {
        McpSchema.Tool definition = mcp.listTools().tools().stream().filter(each -> each.name().equals(tool)).findFirst()
                .orElseThrow();
        var validation = new DefaultJsonSchemaValidator().validate(definition.outputSchema(), result);
        assertTrue(validation.valid(), () -> tool + " does not match its outputSchema: " + validation.errorMessage());
    }
}
