package dev.kaizen.stack;

import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The one way Kaizen's tests and tools wait for something that happens asynchronously (readiness,
 * recovery, an index catching up, a call reaching a lock): poll a condition every
 * {@value #POLL_MILLIS} ms until it holds or the patience runs out, and then fail naming what was
 * awaited. Nothing waits a fixed time for a condition it could ask about.
 */
public final class Await {
    public static final long POLL_MILLIS = 50;

    private Await() {
    }

    /** Waits until {@code condition} holds; fails naming {@code what} after {@code patience}. */
    public static void until(String what, Duration patience, BooleanSupplier condition) {
        until(what, patience, condition, () -> "");
    }

    /**
     * Waits until {@code condition} holds; fails naming {@code what} and what {@code state} says then
     * (e.g. the end of a log). A condition that throws fails at once (e.g. the process it waits for died).
     */
    public static void until(String what, Duration patience, BooleanSupplier condition, Supplier<String> state) {
        value(what, patience, () -> condition.getAsBoolean() ? Boolean.TRUE : null, state);
    }

    /** What {@code probe} answers once it answers something other than null, within {@code patience}. */
    public static <T> T value(String what, Duration patience, Supplier<T> probe) {
        return value(what, patience, probe, () -> "");
    }

    public static <T> T value(String what, Duration patience, Supplier<T> probe, Supplier<String> state) {
        Instant deadline = Instant.now().plus(patience);
        while (true) {
            T answer = probe.get();
            if (answer != null) {
                return answer;
            }
            if (Instant.now().isAfter(deadline)) {
                String now = state.get();
                throw new TimedOut("timed out after " + seconds(patience) + " waiting until " + what
                        + (now.isEmpty() ? "" : ": " + now));
            }
            pause(POLL_MILLIS);
        }
    }

    /**
     * Checks that {@code condition} keeps holding for all of {@code period}: for what must not happen
     * (no write acknowledged while the service is down), which no condition can signal the end of.
     */
    public static void holds(String what, Duration period, BooleanSupplier condition) {
        Instant end = Instant.now().plus(period);
        do {
            if (!condition.getAsBoolean()) {
                throw new AssertionError("it no longer held that " + what);
            }
            pause(POLL_MILLIS);
        } while (Instant.now().isBefore(end));
    }

    private static String seconds(Duration patience) {
        return patience.toMillis() % 1000 == 0 ? patience.toSeconds() + " s" : patience.toMillis() + " ms";
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TimedOut("interrupted while waiting");
        }
    }

    /** A wait that ran out of patience. */
    public static final class TimedOut extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        TimedOut(String message) {
            super(message);
        }
    }
}
