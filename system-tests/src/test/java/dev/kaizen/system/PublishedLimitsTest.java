package dev.kaizen.system;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import dev.kaizen.stack.Stack;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The limits the gateway publishes in its tools' input schemas are the limits Kaizen enforces. The
 * test reads the schemas from tools/list, derives from each constraint (type, required, enum,
 * pattern, lengths, item counts, minimum and maximum) values at and just past it, and calls the
 * tool with each on otherwise valid arguments: a value the schema refuses must be refused naming
 * the argument, and a value the schema allows must not be. Schemas and rules cannot drift apart.
 */
class PublishedLimitsTest {
    private static Stack stack;
    private static McpSyncClient mcp;
    private static String ns;
    private static String entry;
    private static String other;
    private static int calls;

    @BeforeAll
    static void start() {
        stack = Stack.start("limits");
        mcp = Mcp.client(stack.gateway(), Map.of());
        ns = Mcp.unique("limits");
        Mcp.ok(mcp, "create_namespace", Map.of("name", ns, "description", "Published limits"));
        Mcp.ok(mcp, "create_namespace", Map.of("name", ns + "-renamed", "description", "Renamed by the test"));
        Mcp.ok(mcp, "create_scope", Map.of("scope", ns + ":web", "description", "Web"));
        entry = (String) Mcp.ok(mcp, "write_knowledge", Map.of("scope", ns + ":default", "content",
                "Published limits are enforced limits", "context", "limits schema")).get("id");
        other = (String) Mcp.ok(mcp, "write_knowledge", Map.of("scope", ns + ":default", "content",
                "A second entry to suppress", "context", "limits other")).get("id");
    }

    @AfterAll
    static void stop() {
        mcp.closeGracefully();
        stack.close();
    }

    /** Valid arguments of each tool; each call gets fresh ones, so that creating tools create anew. */
    private static Map<String, Supplier<Map<String, Object>>> validArguments() {
        Map<String, Supplier<Map<String, Object>>> valid = new HashMap<>();
        valid.put("get_namespaces", () -> Map.of("namespace", ns, "style", "details"));
        valid.put("create_namespace", () -> Map.of("name", Mcp.unique("made"), "description", "Made by the test"));
        valid.put("update_namespace", () -> Map.of("name", ns + "-renamed", "description", "Same again"));
        valid.put("delete_namespace", () -> Map.of("name", Mcp.unique("absent")));
        valid.put("create_scope", () -> Map.of("scope", ns + ":" + Mcp.unique("s"), "description", "Made by the test",
                "parents", List.of(ns + ":web")));
        valid.put("update_scope", () -> Map.of("scope", ns + ":web", "description", "Web again"));
        valid.put("delete_scope", () -> Map.of("scope", ns + ":" + Mcp.unique("absent")));
        valid.put("write_knowledge", () -> Map.of("scope", ns + ":default", "content", "Written by the test",
                "context", "limits written", "task_size", "M", "if_similar", "write", "valid_until",
                "2099-01-01T00:00:00Z"));
        valid.put("update_knowledge", () -> Map.of("id", entry, "context", "limits schema",
                "valid_until", "2099-01-01T00:00:00+02:00"));
        valid.put("delete_knowledge", () -> Map.of("id", "999999999"));
        valid.put("get_knowledge", () -> Map.of("ids", List.of(entry)));
        valid.put("resolve_knowledge_conflict", () -> Map.of("active_id", entry, "suppressed_ids", List.of(other)));
        valid.put("get_task_context", () -> Map.of("queries", List.of("limits"), "scope", ns + ":default",
                "task_size", "S", "max_tokens", 4000, "offset", 0));
        valid.put("get_audit_log", () -> Map.of("namespace", ns, "limit", 10, "before_id", "999999"));
        valid.put("get_knowledge_history", () -> Map.of("id", entry, "limit", 10, "before_version", 5));
        valid.put("restore_knowledge", () -> Map.of("id", entry, "version", 1, "scope", ns + ":default"));
        valid.put("purge_knowledge", () -> Map.of("ids", List.of("999999999")));
        valid.put("list_stale", () -> Map.of("scope", ns + ":default", "days", 30, "limit", 10,
                "after", "2000-01-01T00:00:00Z/1"));
        valid.put("list_config", Map::of);
        valid.put("update_config", () -> Map.of("key", "search.max_results", "value", "50"));
        valid.put("reset_config", () -> Map.of("key", "search.max_results"));
        return valid;
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyPublishedConstraintIsEnforcedAndNothingItAllowsIsRefused() {
        List<String> drift = new ArrayList<>();
        List<McpSchema.Tool> tools = mcp.listTools().tools();
        Map<String, Supplier<Map<String, Object>>> valid = validArguments();
        assertEquals(valid.keySet(), Set.copyOf(tools.stream().map(McpSchema.Tool::name).toList()),
                "every tool has valid arguments here");
        int constraints = 0;
        for (McpSchema.Tool tool : tools) {
            Supplier<Map<String, Object>> base = valid.get(tool.name());
            McpSchema.CallToolResult baseline = Mcp.call(mcp, tool.name(), base.get());
            calls++;
            assertTrue(!baseline.isError() || notAboutTheForm(Mcp.text(baseline)), () -> tool.name() + ": " + Mcp.text(baseline));

            Map<String, Object> schema = tool.inputSchema();
            assertEquals(false, schema.get("additionalProperties"), tool.name());
            expect(drift, tool.name(), "an unknown argument", with(base, "not_an_argument", "x"), "Unknown argument", false);
            constraints++;
            for (String required : (List<String>) schema.getOrDefault("required", List.of())) {
                Map<String, Object> without = new HashMap<>(base.get());
                without.remove(required);
                expect(drift, tool.name(), required + " left out", without, required, false);
                constraints++;
            }
            Map<String, Object> properties = (Map<String, Object>) schema.get("properties");
            for (Map.Entry<String, Object> property : properties.entrySet()) {
                String name = property.getKey();
                Map<String, Object> constraint = (Map<String, Object>) property.getValue();
                for (Map.Entry<Object, Boolean> value : valuesAround(constraint, base.get().get(name)).entrySet()) {
                    expect(drift, tool.name(), name + " = " + describe(value.getKey()), with(base, name, value.getKey()),
                            name, value.getValue());
                }
                constraints += constraint.size();
            }
        }
        System.out.printf("Published limits: %d tools, %d schema keywords, %d calls, %d disagreements%n",
                tools.size(), constraints, calls, drift.size());
        assertTrue(drift.isEmpty(), () -> "schema and rules disagree:\n" + String.join("\n", drift));
    }

    /**
     * Values at and just past each constraint of {@code schema}, each with whether the schema allows
     * it. {@code example} is a valid value (items of arrays are made from its first item).
     */
    @SuppressWarnings("unchecked")
    private static Map<Object, Boolean> valuesAround(Map<String, Object> schema, Object example) {
        Map<Object, Boolean> values = new LinkedHashMap<>();
        Set<String> types = types(schema);
        // one value of each JSON type; those the schema allows are checked by the constraints below
        List<Object> ofEveryType = new ArrayList<>(List.of("ab", 2, 2.5, true, List.of(), Map.of()));
        ofEveryType.add(null);
        for (Object value : ofEveryType) {
            if (!types.contains(jsonType(value)) && !(jsonType(value).equals("integer") && types.contains("number"))) {
                values.put(value, false);
            }
        }
        if (types.contains("string")) {
            strings(schema).forEach(text -> values.put(text, allows(schema, text)));
        }
        if (types.contains("integer")) {
            for (String bound : List.of("minimum", "maximum")) {
                if (schema.get(bound) instanceof Number limit) {
                    long at = limit.longValue();
                    long past = bound.equals("minimum") ? at - 1 : at + 1;
                    values.put(at, true);
                    values.put(past, false);
                }
            }
            values.put(new BigInteger("9223372036854775808"), allows(schema, new BigInteger("9223372036854775808")));
            values.put(4.0, allows(schema, 4L));
        }
        if (types.contains("array") && example instanceof List<?> list && !list.isEmpty()) {
            Map<String, Object> items = (Map<String, Object>) schema.get("items");
            int min = ((Number) schema.getOrDefault("minItems", 0)).intValue();
            int max = ((Number) schema.getOrDefault("maxItems", 10_000)).intValue();
            for (int size : new LinkedHashSet<>(List.of(Math.max(0, min - 1), min, max, max + 1, 10_000))) {
                values.put(Collections.nCopies(size, list.getFirst()), size >= min && size <= max);
            }
            // the first item's constraints, with the rest of the list valid
            for (Map.Entry<Object, Boolean> item : valuesAround(items, list.getFirst()).entrySet()) {
                List<Object> withItem = new ArrayList<>();
                withItem.add(item.getKey());
                values.put(withItem, item.getValue() && min <= 1);
            }
        }
        return values;
    }

    /** Strings around a string schema's pattern, enum and lengths; none when it publishes no constraint. */
    @SuppressWarnings("unchecked")
    private static List<String> strings(Map<String, Object> schema) {
        List<String> strings = new ArrayList<>();
        String fill = schema.containsKey("pattern") ? "a" : "k";
        for (String bound : List.of("minLength", "maxLength")) {
            if (schema.get(bound) instanceof Number limit) {
                int at = limit.intValue();
                strings.add(fill.repeat(at));
                strings.add(fill.repeat(bound.equals("minLength") ? Math.max(0, at - 1) : at + 1));
            }
        }
        if (schema.containsKey("enum")) {
            for (Object allowed : (List<Object>) schema.get("enum")) {
                if (allowed instanceof String text) {
                    strings.addAll(List.of(text, text.toLowerCase(), " " + text, text + " ", text + text, text + "\u200B"));
                }
            }
        }
        if (schema.containsKey("pattern")) {
            for (int length : List.of(0, 1, 2, 3, 17, 18, 19, 32, 33, 64, 65, 129, 131)) {
                strings.add("a".repeat(length));
                strings.add("1".repeat(length));
                strings.add("ab:" + "c".repeat(Math.max(0, length - 3)));
                strings.add("c".repeat(Math.max(0, length - 3)) + ":ab");
            }
            strings.addAll(List.of("42", "042", "0", "+42", "-42", " 42", "42 ", "4.2", "1e3", "9".repeat(18),
                    "1" + "0".repeat(18), "acme", "ACME", "Acme", "ac me", "ac_me", "ac.me", "-acme", "acme-", "a--b",
                    "acme\n", "\nacme", "acme\u200B", "\uFF41\uFF43\uFF4D\uFF45", "acm\u00E9", "acme:web", "acme:web:x",
                    ":web", "acme:", "acme::web", "acme:Web", "global:default", "ac:we", "a:web", "acme: web", "\uD83D\uDE80"));
        }
        return strings;
    }

    /** Whether {@code value} satisfies {@code schema}'s constraints, as JSON Schema 2020-12 reads them. */
    @SuppressWarnings("unchecked")
    private static boolean allows(Map<String, Object> schema, Object value) {
        if (value instanceof String text) {
            int length = text.codePointCount(0, text.length());
            return within(schema, "minLength", "maxLength", length)
                    && (!(schema.get("enum") instanceof List<?> allowed) || allowed.contains(text))
                    && (!(schema.get("pattern") instanceof String pattern) || ecmaMatches(pattern, text));
        }
        BigInteger number = value instanceof BigInteger big ? big : BigInteger.valueOf(((Number) value).longValue());
        return (!(schema.get("minimum") instanceof Number min) || number.compareTo(BigInteger.valueOf(min.longValue())) >= 0)
                && (!(schema.get("maximum") instanceof Number max) || number.compareTo(BigInteger.valueOf(max.longValue())) <= 0);
    }

    private static boolean within(Map<String, Object> schema, String minKey, String maxKey, int value) {
        return (!(schema.get(minKey) instanceof Number min) || value >= min.intValue())
                && (!(schema.get(maxKey) instanceof Number max) || value <= max.intValue());
    }

    /**
     * An anchored pattern as ECMAScript reads it: '$' ends the input (Java's '$' would also match
     * before a final line break).
     */
    private static boolean ecmaMatches(String pattern, String text) {
        assertTrue(pattern.startsWith("^") && pattern.endsWith("$"), "published patterns are anchored: " + pattern);
        return Pattern.compile(pattern.substring(1, pattern.length() - 1)).matcher(text).matches();
    }

    private static Set<String> types(Map<String, Object> schema) {
        Object type = schema.get("type");
        Set<String> types = new LinkedHashSet<>();
        if (type instanceof String one) {
            types.add(one);
        } else {
            ((List<?>) type).forEach(each -> types.add((String) each));
        }
        return types;
    }

    private static String jsonType(Object value) {
        return switch (value) {
            case null -> "null";
            case String s -> "string";
            case Boolean b -> "boolean";
            case Integer i -> "integer";
            case Long l -> "integer";
            case BigInteger b -> "integer";
            case Number n -> n.doubleValue() == Math.rint(n.doubleValue()) ? "integer" : "number";
            case List<?> l -> "array";
            default -> "object";
        };
    }

    private static Map<String, Object> with(Supplier<Map<String, Object>> base, String name, Object value) {
        Map<String, Object> arguments = new HashMap<>(base.get());
        arguments.put(name, value);
        return arguments;
    }

    /** Calls the tool; a disagreement is recorded when it refuses {@code argument} and should not, or the reverse. */
    private static void expect(List<String> drift, String tool, String what, Map<String, Object> arguments,
                               String argument, boolean allowed) {
        McpSchema.CallToolResult result = Mcp.call(mcp, tool, arguments);
        calls++;
        String text = Mcp.text(result);
        if (result.isError()) {
            Mcp.assertNoInternals(text);
        }
        boolean refused = result.isError() && text.startsWith(argument) && !notAboutTheForm(text);
        if (refused == allowed) {
            drift.add(tool + " " + what + ": the schema " + (allowed ? "allows" : "refuses") + " it, the tool "
                    + (refused ? "refused it: " + text : "answered " + (result.isError() ? text : "normally")));
        }
    }

    /**
     * A refusal about the state of the world (no such entry, a name taken) or about a rule between
     * arguments that a JSON Schema cannot state (a renamed scope keeps its namespace), not about the
     * value's form.
     */
    private static boolean notAboutTheForm(String text) {
        return List.of("does not exist", "is not an existing", "already exists", "is taken", "keeps its namespace")
                .stream().anyMatch(text::contains);
    }

    private static String describe(Object value) {
        String text = value instanceof List<?> list && list.size() > 3 ? "[" + list.size() + " items]" : String.valueOf(value);
        text = value instanceof String ? "\"" + text + "\"" : text;
        return text.length() > 60 ? text.substring(0, 57) + "... (" + text.length() + " characters)" : text;
    }
}
