package dev.kaizen.knowledge;

import java.util.concurrent.atomic.AtomicInteger;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Base of the knowledge-service tests: one running service and database per test class. */
abstract class ServiceTest {
    private static final AtomicInteger NAMES = new AtomicInteger();
    static RunningService service;

    @BeforeAll
    static void startService(org.junit.jupiter.api.TestInfo info) {
        service = RunningService.onNewDatabase(info.getTestClass().orElseThrow().getSimpleName());
    }

    @AfterAll
    static void stopService() {
        service.close();
    }

    /** A name no other test uses, valid as a namespace or scope name. */
    static String unique(String prefix) {
        return prefix + "-" + NAMES.incrementAndGet();
    }

    /**
     * Asserts the call fails with {@code code} and a message for people: no SQL, no exception
     * names. Returns the message.
     */
    static String assertRefused(Status.Code code, Executable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
        assertEquals(code, e.getStatus().getCode(), () -> "status of: " + e.getStatus());
        String message = e.getStatus().getDescription();
        assertFalse(message == null || message.isBlank(), "a refusal says why");
        for (String leak : new String[] {"SELECT", "INSERT", "UPDATE ", "DELETE FROM", "Exception", "SQLSTATE", "org."}) {
            assertFalse(message.contains(leak), () -> "message leaks internals: " + message);
        }
        return message;
    }
}
