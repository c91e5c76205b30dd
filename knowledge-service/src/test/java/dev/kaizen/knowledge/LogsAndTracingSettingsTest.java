package dev.kaizen.knowledge;

import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import dev.kaizen.runtime.JsonLogFormatter;
import dev.kaizen.runtime.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LOG_FORMAT=json lines and when tracing is on: no server, milliseconds. */
class LogsAndTracingSettingsTest {

    @Test
    void aJsonLogLineCarriesTheCurrentSpansIds() {
        // an SDK without a span processor hands out no-op tracers: one that drops every span will do
        SpanProcessor drop = new SpanProcessor() {
            @Override
            public void onStart(io.opentelemetry.context.Context parent, ReadWriteSpan span) {
            }

            @Override
            public boolean isStartRequired() {
                return false;
            }

            @Override
            public void onEnd(ReadableSpan span) {
            }

            @Override
            public boolean isEndRequired() {
                return false;
            }
        };
        try (SdkTracerProvider provider = SdkTracerProvider.builder().addSpanProcessor(drop).build()) {
            Span span = provider.get("test").spanBuilder("call").startSpan();
            String line;
            try (Scope ignored = span.makeCurrent()) {
                line = new JsonLogFormatter().format(record(Level.WARNING, "pool {0} \"busy\"\nnext", "primary"));
            } finally {
                span.end();
            }
            assertTrue(line.endsWith("}\n") && line.indexOf('\n') == line.length() - 1, "one line: " + line);
            assertTrue(line.contains("\"level\":\"WARN\""), line);
            assertTrue(line.contains("\"logger\":\"dev.kaizen.test\""), line);
            assertTrue(line.contains("\"message\":\"pool primary \\\"busy\\\"\\nnext\""), line);
            assertTrue(line.contains("\"trace_id\":\"" + span.getSpanContext().getTraceId() + "\""), line);
            assertTrue(line.contains("\"span_id\":\"" + span.getSpanContext().getSpanId() + "\""), line);
            assertTrue(line.matches("(?s)\\{\"time\":\"\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z\".*"), line);
        }
    }

    @Test
    void aLineOutsideAnySpanHasNoIdsAndAnExceptionIsOneField() {
        LogRecord record = record(Level.SEVERE, "failed");
        record.setThrown(new IllegalStateException("boom"));
        String line = new JsonLogFormatter().format(record);
        assertFalse(line.contains("trace_id"), line);
        assertTrue(line.contains("\"level\":\"ERROR\""), line);
        assertTrue(line.contains("\"exception\":\"java.lang.IllegalStateException: boom\\n\\tat "), line);
        assertEquals(1, line.lines().count());
    }

    @Test
    void tracingIsOnOnlyWithAnEndpointAndNotDisabled() {
        assertFalse(Tracing.current().enabled(), "tests run without an endpoint");
        for (Map<String, String> off : List.of(Map.<String, String>of(), Map.of("OTEL_SERVICE_NAME", "x"),
                Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318", "OTEL_SDK_DISABLED", "true"),
                Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318", "OTEL_TRACES_EXPORTER", "none"))) {
            assertFalse(wanted(off), off.toString());
        }
        assertTrue(wanted(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318")));
        assertTrue(wanted(Map.of("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://c:4318/v1/traces")));
    }

    private static boolean wanted(Map<String, String> env) {
        try {
            var method = Tracing.class.getDeclaredMethod("wanted", Map.class, java.util.function.Function.class);
            method.setAccessible(true);
            return (Boolean) method.invoke(null, env, (java.util.function.Function<String, String>) key -> null);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    private static LogRecord record(Level level, String message, Object... parameters) {
        LogRecord record = new LogRecord(level, message);
        record.setLoggerName("dev.kaizen.test");
        record.setParameters(parameters);
        return record;
    }
}
