package dev.kaizen.gateway;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.kaizen.api.v1.TaskSize;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Reading tool arguments and wording refusals, on their own: no server. */
class ArgumentsTest {
    private static final Map<String, Object> SCHEMAS = Map.of("name", JsonSchemas.string("Name"),
            "ids", JsonSchemas.ids("Ids", 100), "id", JsonSchemas.id("Id"),
            "task_size", JsonSchemas.nullableOneOf("Size", List.of("S", "XL")), "parents", JsonSchemas.strings("Parents", 0, 100,
                    JsonSchemas.string("Parent")), "valid_until", JsonSchemas.dateTime("Until", true));

    private static Arguments arguments(Map<String, Object> values) {
        return new Arguments("tool", values, SCHEMAS);
    }

    private static String refused(Runnable read) {
        return assertThrows(ToolRefusal.class, read::run).getMessage();
    }

    @Test
    void unknownArgumentsAreNamedWithTheOnesTheToolTakes() {
        assertEquals("Unknown argument 'colour': tool takes id, ids, name, parents, task_size, valid_until.",
                refused(() -> arguments(Map.of("colour", "red"))));
        arguments(null);
    }

    @Test
    void stringsMustBeStringsAndStorableText() {
        assertEquals("acme", arguments(Map.of("name", "acme")).string("name"));
        assertEquals("name must be a string, not 42.", refused(() -> arguments(Map.of("name", 42)).string("name")));
        assertEquals("name is missing: it is required.", refused(() -> arguments(Map.of()).string("name")));
        Map<String, Object> nullName = new HashMap<>();
        nullName.put("name", null);
        assertEquals("name is null, which it cannot be: leave it out or give a value.", refused(() -> arguments(nullName)));
        assertTrue(refused(() -> arguments(Map.of("name", "a\uD800"))).startsWith("name contains an unpaired"));
        assertTrue(refused(() -> arguments(Map.of("parents", List.of("ok", "n\u0000l")))).startsWith("parents[1] contains a NUL"));
        assertEquals("parents[1] must be a string, not an object.",
                refused(() -> arguments(Map.of("parents", List.of("ok", Map.of()))).strings("parents")));
    }

    @Test
    void idsAreDecimalStringsOrIntegersOfEveryJsonNumberTypeAsThePublishedSchemaSays() {
        for (Object id : List.of("42", 42, 42L, BigInteger.valueOf(42), 42.0, new BigDecimal("42"))) {
            assertEquals(42L, arguments(Map.of("id", id)).id("id"), () -> id + " " + id.getClass());
        }
        assertEquals(999_999_999_999_999_999L, arguments(Map.of("id", "9".repeat(18))).id("id"));
        for (Object bad : List.of("forty-two", "4.2", 4.2, "9".repeat(19), new BigInteger("9".repeat(20)), true,
                List.of(1), Map.of("id", 1), "", " 42 ", "+42", "-42", "042", "0", 0, -1, 1_000_000_000_000_000_000L)) {
            assertTrue(refused(() -> arguments(Map.of("id", bad)).id("id")).contains("is not a valid id"), bad::toString);
        }
        assertEquals(List.of(1L, 2L), arguments(Map.of("ids", List.of("1", 2))).ids("ids"));
        assertEquals("ids must be a list of knowledge ids, e.g. [\"42\", \"43\"].",
                refused(() -> arguments(Map.of("ids", "1,2")).ids("ids")));
    }

    @Test
    void taskSizesAreExactlyTheDocumentedSpellingsAndNullClearsIt() {
        assertEquals(TaskSize.TASK_SIZE_XL, arguments(Map.of("task_size", "XL")).taskSize("task_size").orElseThrow());
        Map<String, Object> cleared = new HashMap<>();
        cleared.put("task_size", null);
        assertEquals(TaskSize.TASK_SIZE_UNSPECIFIED, arguments(cleared).taskSize("task_size").orElseThrow());
        assertTrue(arguments(Map.of()).taskSize("task_size").isEmpty());
        for (String bad : Arrays.asList("xl", "Xs", "\u017F", "x\u017F", " M", "XXL")) {
            assertTrue(refused(() -> arguments(Map.of("task_size", bad)).taskSize("task_size")).contains("is not a task size"),
                    bad);
        }
    }

    @Test
    void timesAreRfc3339WithAnOffsetAndNullWhereTheSchemaAllowsIt() {
        assertEquals(com.google.protobuf.Timestamp.newBuilder().setSeconds(1_806_451_200L).setNanos(500_000_000).build(),
                arguments(Map.of("valid_until", "2027-03-31T02:00:00.5+02:00")).time("valid_until").orElseThrow());
        Map<String, Object> cleared = new HashMap<>();
        cleared.put("valid_until", null);
        assertTrue(arguments(cleared).time("valid_until").isEmpty());
        assertTrue(arguments(Map.of()).time("valid_until").isEmpty());
        assertEquals("valid_until '31/03/2027' is not a time: give an RFC 3339 time with its offset, e.g. "
                + "2027-03-31T00:00:00Z or 2027-03-31T09:00:00+02:00.",
                refused(() -> arguments(Map.of("valid_until", "31/03/2027")).time("valid_until")));
        assertEquals("valid_until must be a string, not 1806364800.",
                refused(() -> arguments(Map.of("valid_until", 1_806_364_800L)).time("valid_until")));
    }
}
