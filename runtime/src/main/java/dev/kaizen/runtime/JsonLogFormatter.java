package dev.kaizen.runtime;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;

/**
 * {@code LOG_FORMAT=json}: one JSON object per line, for log collectors: {@code time} (RFC 3339, UTC),
 * {@code level}, {@code logger}, {@code message}, {@code thread}, the {@code trace_id} and
 * {@code span_id} of the span current where the line was logged (when tracing is on and the line
 * belongs to a call), and {@code exception} with its stack trace when there is one.
 */
public final class JsonLogFormatter extends Formatter {
    /** The variable that chooses the format: {@code json}, or anything else (the default) for lines a person reads. */
    public static final String VARIABLE = "LOG_FORMAT";

    /** Switches every handler of the root logger to JSON when {@code LOG_FORMAT=json}; call after the log configuration is read. */
    public static void applyFromEnvironment() {
        if ("json".equalsIgnoreCase(System.getenv(VARIABLE))) {
            for (Handler handler : LogManager.getLogManager().getLogger("").getHandlers()) {
                handler.setFormatter(new JsonLogFormatter());
            }
        }
    }

    @Override
    public String format(LogRecord record) {
        StringBuilder line = new StringBuilder(256);
        line.append("{\"time\":\"").append(Instant.ofEpochMilli(record.getMillis()).toString()).append('"');
        field(line, "level", level(record.getLevel()));
        field(line, "logger", record.getLoggerName());
        field(line, "message", formatMessage(record));
        field(line, "thread", Thread.currentThread().getName());
        SpanContext span = Span.current().getSpanContext();
        if (span.isValid()) {
            field(line, "trace_id", span.getTraceId());
            field(line, "span_id", span.getSpanId());
        }
        if (record.getThrown() != null) {
            StringWriter trace = new StringWriter();
            record.getThrown().printStackTrace(new PrintWriter(trace));
            field(line, "exception", trace.toString());
        }
        return line.append("}\n").toString();
    }

    /** The level as log collectors name it: ERROR, WARN, INFO, DEBUG, TRACE. */
    static String level(Level level) {
        int value = level.intValue();
        if (value >= Level.SEVERE.intValue()) {
            return "ERROR";
        }
        if (value >= Level.WARNING.intValue()) {
            return "WARN";
        }
        if (value >= Level.INFO.intValue()) {
            return "INFO";
        }
        return value >= Level.FINE.intValue() ? "DEBUG" : "TRACE";
    }

    private static void field(StringBuilder line, String name, String value) {
        line.append(",\"").append(name).append("\":");
        if (value == null) {
            line.append("null");
            return;
        }
        line.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> line.append("\\\"");
                case '\\' -> line.append("\\\\");
                case '\n' -> line.append("\\n");
                case '\r' -> line.append("\\r");
                case '\t' -> line.append("\\t");
                default -> {
                    if (c < 0x20 || Character.isSurrogate(c) && !validSurrogate(value, i)) {
                        line.append(String.format("\\u%04x", (int) c));
                    } else {
                        line.append(c);
                    }
                }
            }
        }
        line.append('"');
    }

    /** Whether the surrogate at {@code i} is half of a pair (a lone one is escaped, keeping the line valid UTF-8). */
    private static boolean validSurrogate(String value, int i) {
        char c = value.charAt(i);
        return Character.isHighSurrogate(c) ? i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))
                : i > 0 && Character.isHighSurrogate(value.charAt(i - 1));
    }
}
