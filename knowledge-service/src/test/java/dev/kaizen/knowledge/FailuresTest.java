package dev.kaizen.knowledge;

import java.math.BigDecimal;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.Map;

import java.util.Optional;

import com.google.rpc.BadRequest;
import dev.kaizen.api.ErrorDetails;
import dev.kaizen.api.ErrorDetails.Reason;
import dev.kaizen.api.RuleViolation;
import dev.kaizen.api.v1.TaskSize;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The error mapping, settings and task sizes on their own: no server, no database. */
class FailuresTest {

    private static Status status(Throwable failure) {
        return Failures.toWire(failure, "kaizen.v1.Test/Call").getStatus();
    }

    private static RuntimeException sql(String state) {
        return new RuntimeException("wrapped", new SQLException("the database said no", state));
    }

    @Test
    void refusalsAndRuleViolationsKeepTheirMessages() {
        assertEquals(Status.Code.NOT_FOUND, status(Failures.notFound(null, "gone.")).getCode());
        Status violation = status(new RuleViolation("name", "'X' is not a valid name."));
        assertEquals(Status.Code.INVALID_ARGUMENT, violation.getCode());
        assertEquals("name 'X' is not a valid name.", violation.getDescription());
    }

    @Test
    void everyStatusCarriesAReasonAndARuleViolationItsField() {
        StatusRuntimeException violation = Failures.toWire(new RuleViolation("entries[3].content", "is blank."), "m");
        assertEquals(Optional.of(Reason.RULE_BROKEN), ErrorDetails.reason(violation));
        BadRequest.FieldViolation field = ErrorDetails.fieldViolations(violation).getFirst();
        assertEquals("entries[3].content", field.getField());
        assertEquals("is blank.", field.getDescription());
        assertEquals(3, ErrorDetails.index(field.getField(), "entries").getAsInt());
        assertEquals("content", ErrorDetails.below(field.getField()));

        assertEquals(Optional.of(Reason.UNAVAILABLE), ErrorDetails.reason(Failures.toWire(sql("08006"), "m")));
        assertEquals(Optional.of(Reason.CONCURRENT_CHANGE), ErrorDetails.reason(Failures.toWire(sql("40001"), "m")));
        StatusRuntimeException bug = Failures.toWire(new NullPointerException(), "m");
        assertEquals(Optional.of(Reason.INTERNAL), ErrorDetails.reason(bug));
        assertTrue(bug.getStatus().getDescription().contains(ErrorDetails.metadata(bug, ErrorDetails.REFERENCE).orElseThrow()));
        // a status made without details gets the reason its code implies
        assertEquals(Optional.of(Reason.TIMEOUT), ErrorDetails.reason(Failures.toWire(
                Status.DEADLINE_EXCEEDED.withDescription("late").asRuntimeException(), "m")));
        assertEquals(Optional.of(Reason.PROTECTED), ErrorDetails.reason(Failures.toWire(
                Failures.failedPrecondition(Reason.PROTECTED, "name", "name 'global' is protected."), "m")));
    }

    @Test
    void detailsStayWithinTheTrailerBudget() {
        StatusRuntimeException wire = Failures.toWire(new RuleViolation("value", "\u00e9".repeat(50_000)), "m");
        byte[][] serialized = io.grpc.InternalMetadata.serialize(wire.getTrailers());
        int bytes = 0;
        for (byte[] part : serialized) {
            bytes += part.length;
        }
        assertTrue(bytes < 4 * Failures.DETAIL_MAX_BYTES, bytes + " bytes of details");
        assertEquals(Optional.of(Reason.RULE_BROKEN), ErrorDetails.reason(wire));
    }

    @Test
    void databaseStatesMapToStatusesThatSayWhatToDo() {
        Map<String, Status.Code> states = Map.of(
                "08006", Status.Code.UNAVAILABLE, "57P01", Status.Code.UNAVAILABLE, "57P03", Status.Code.UNAVAILABLE,
                "53300", Status.Code.UNAVAILABLE, "23505", Status.Code.ALREADY_EXISTS, "23503", Status.Code.NOT_FOUND,
                "40001", Status.Code.ABORTED, "40P01", Status.Code.ABORTED, "57014", Status.Code.DEADLINE_EXCEEDED);
        states.forEach((state, code) -> {
            Status status = status(sql(state));
            assertEquals(code, status.getCode(), state);
            assertFalse(status.getDescription().contains("the database said no"), "no SQL text: " + state);
        });
        assertEquals(Status.Code.UNAVAILABLE, status(new Database.DatabaseUnavailable(new SQLException("refused")))
                .getCode());
        assertEquals(Status.Code.UNAVAILABLE, status(new RuntimeException(new SQLTransientConnectionException("x")))
                .getCode());
    }

    @Test
    void anythingElseIsAnInternalErrorWithAReferenceToTheLog() {
        for (Throwable bug : new Throwable[] {new NullPointerException("oops"), sql("22P02"), sql(null)}) {
            Status status = status(bug);
            assertEquals(Status.Code.INTERNAL, status.getCode());
            assertTrue(status.getDescription().matches("Internal error in knowledge-service \\(reference [0-9a-f-]{36}\\);.*"),
                    status.getDescription());
        }
    }

    @Test
    void onlyConflictsWithConcurrentTransactionsAreRetried() {
        assertTrue(Failures.isTransientConflict(sql("40001")));
        assertTrue(Failures.isTransientConflict(sql("40P01")));
        assertFalse(Failures.isTransientConflict(sql("23505")));
        assertFalse(Failures.isTransientConflict(new IllegalStateException()));
    }

    @Test
    void messagesArePercentEncodedAndCappedForTheTrailer() {
        assertEquals("plain 'ascii' text", Failures.wire("plain 'ascii' text"));
        assertEquals("caf%C3%A9 100%25", Failures.wire("café 100%"));
        String long1 = Failures.wire("é".repeat(10_000));
        assertTrue(long1.length() <= Failures.MESSAGE_MAX_BYTES && long1.endsWith("%C3%A9..."), long1.length() + "");
        assertTrue(Failures.wire("x".repeat(100_000)).length() <= Failures.MESSAGE_MAX_BYTES);
        assertEquals(Failures.MESSAGE_MAX_BYTES, status(new RuleViolation("y", "y".repeat(5000))).getDescription().length());
    }

    @Test
    void numericSettingsAreStoredInTheirCanonicalForm() {
        Setting maxResults = new Setting("search.max_results", "integer", "50", "50", BigDecimal.ONE, new BigDecimal(1000));
        assertEquals("7", maxResults.number("+007"));
        assertEquals("a whole number from 1 to 1000", maxResults.range());
        for (String bad : new String[] {"1e2", "100.0", "\uFF11\uFF10", "\u0665\u0660", "0", "1001", " 5", ""}) {
            assertThrows(io.grpc.StatusRuntimeException.class, () -> maxResults.number(bad), bad);
        }
        Setting threshold = new Setting("search.relevance_threshold", "float", "0.4", "0.4", BigDecimal.ZERO, null);
        assertEquals("0.5", threshold.number(".5"));
        assertEquals("a number of at least 0", threshold.range());
        for (String bad : new String[] {"1e39", "1e-46", "0.\uFF15", "NaN", "Infinity", "-0.1", "1".repeat(16)}) {
            assertThrows(io.grpc.StatusRuntimeException.class, () -> threshold.number(bad), bad);
        }
        // a plain number that is only too long is told so
        assertTrue(assertThrows(StatusRuntimeException.class, () -> threshold.number("1".repeat(10_000)))
                .getStatus().getDescription().contains("has more digits than a setting takes"));
        assertTrue(assertThrows(StatusRuntimeException.class, () -> maxResults.number("100.0"))
                .getStatus().getDescription().contains("is not a whole number"));
    }

    @Test
    void taskSizesMapBetweenTheProtoAndTheDatabase() {
        assertNull(TaskSizes.toDatabase(TaskSize.TASK_SIZE_UNSPECIFIED));
        assertEquals("XL", TaskSizes.toDatabase(TaskSize.TASK_SIZE_XL));
        assertEquals(TaskSize.TASK_SIZE_XS, TaskSizes.fromDatabase("XS"));
        assertEquals(TaskSize.TASK_SIZE_UNSPECIFIED, TaskSizes.fromDatabase(null));
        assertEquals(Status.Code.INVALID_ARGUMENT, assertThrows(io.grpc.StatusRuntimeException.class,
                () -> TaskSizes.toDatabase(TaskSize.UNRECOGNIZED)).getStatus().getCode());
    }
}
