package dev.kaizen.gateway;

import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

import dev.kaizen.runtime.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;

/**
 * The span of each MCP request, named as OpenTelemetry's MCP conventions name it
 * ({@code tools/call get_task_context}, {@code resources/read}, ...), a server span whose parent is
 * the W3C trace context the client sent: {@code params._meta.traceparent} when there is one (MCP
 * clients that trace put it there; over stdio it is the only place), else the HTTP request's
 * {@code traceparent} header. A tool call adds its tool, namespace and outcome ({@link #toolCall});
 * never arguments' content, queries or credentials.
 */
final class McpTracing {
    private McpTracing() {
    }

    /** The context of an HTTP request's {@code traceparent} and {@code tracestate} headers. */
    static Context fromHeaders(Function<String, String> header) {
        Tracing tracing = Tracing.current();
        if (!tracing.enabled()) {
            return Context.root();
        }
        return tracing.propagator().extract(Context.root(), header, new TextMapGetter<Function<String, String>>() {
            @Override
            public Iterable<String> keys(Function<String, String> carrier) {
                return java.util.List.of(Tracing.TRACEPARENT, "tracestate");
            }

            @Override
            public String get(Function<String, String> carrier, String key) {
                return carrier == null ? null : carrier.apply(key);
            }
        });
    }

    /**
     * Runs one MCP request within its span: {@code method} and, for tools/call and prompts/get, the
     * name it calls; {@code failed} says from the answer whether it was a JSON-RPC error.
     */
    static <T> T request(String method, Object params, Object id, String transport, Context http, Supplier<T> work,
                         Function<T, Boolean> failed) {
        Tracing tracing = Tracing.current();
        if (!tracing.enabled()) {
            return work.get();
        }
        Map<?, ?> fields = params instanceof Map<?, ?> map ? map : Map.of();
        String target = method.equals("tools/call") || method.equals("prompts/get") ? string(fields.get("name")) : null;
        Context parent = tracing.fromTraceparent(http, traceparent(fields.get("_meta")));
        var span = tracing.tracer("dev.kaizen.gateway")
                .spanBuilder(target == null ? method : method + " " + target)
                .setParent(parent)
                .setSpanKind(SpanKind.SERVER)
                .setAttribute("mcp.method.name", method)
                .setAttribute("network.transport", transport);
        if (id != null) {
            span.setAttribute("jsonrpc.request.id", String.valueOf(id));
        }
        if (target != null && method.equals("tools/call")) {
            span.setAttribute("gen_ai.tool.name", target);
        }
        Span started = span.startSpan();
        try (Scope ignored = parent.with(started).makeCurrent()) {
            T answer = work.get();
            if (answer != null && failed.apply(answer)) {
                started.setStatus(StatusCode.ERROR, "JSON-RPC error");
            }
            return answer;
        } catch (RuntimeException e) {
            started.setStatus(StatusCode.ERROR, e.getClass().getSimpleName());
            throw e;
        } finally {
            started.end();
        }
    }

    /**
     * Runs a tool call: within the request's span when the transport made one (HTTP), else (stdio)
     * within a span of its own whose parent is the request's {@code _meta.traceparent}.
     */
    static <T> T toolCall(String tool, Map<String, Object> meta, Supplier<T> work) {
        if (!Tracing.current().enabled() || Span.current().isRecording()) {
            return work.get();
        }
        return request("tools/call", Map.of("name", tool, "_meta", meta == null ? Map.of() : meta), null, "pipe",
                Context.current(), work, answer -> false);
    }

    /** Notes on the current span what a tool call did: its namespace (when it names one) and outcome. */
    static void outcome(String namespace, String outcome) {
        Span span = Span.current();
        if (!span.isRecording()) {
            return;
        }
        if (namespace != null) {
            span.setAttribute("kaizen.namespace", namespace);
        }
        span.setAttribute("kaizen.outcome", outcome);
        if (outcome.equals("error") || outcome.equals("unavailable")) {
            span.setAttribute("error.type", outcome);
            span.setStatus(StatusCode.ERROR, outcome);
        }
    }

    /** The namespace a tool's arguments name: {@code namespace}, {@code name} of a namespace tool, or the one of {@code scope}. */
    static String namespace(String tool, Map<String, Object> arguments) {
        if (arguments == null) {
            return null;
        }
        Object value = arguments.get("namespace");
        if (value == null && tool.endsWith("_namespace")) {
            value = arguments.get("name");
        }
        if (value == null && arguments.get("scope") instanceof String scope && scope.indexOf(':') > 0) {
            value = scope.substring(0, scope.indexOf(':'));
        }
        String namespace = string(value);
        // only what a namespace name may be: never an argument's free text
        return namespace != null && namespace.matches("[a-z0-9-]{2,64}") ? namespace : null;
    }

    private static String traceparent(Object meta) {
        return meta instanceof Map<?, ?> map ? string(map.get(Tracing.TRACEPARENT)) : null;
    }

    private static String string(Object value) {
        return value instanceof String text ? text : null;
    }
}
