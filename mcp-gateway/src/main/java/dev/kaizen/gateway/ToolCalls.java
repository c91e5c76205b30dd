package dev.kaizen.gateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

import dev.kaizen.runtime.LatencyTimers;
import dev.kaizen.api.ErrorDetails;
import dev.kaizen.api.Headers;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema;

/**
 * The one path every tool call takes: read the arguments, run the tool's gRPC mapping, answer the
 * result as structuredContent plus the same JSON as text; or answer an isError result whose one
 * sentence says what was wrong and how to fix it. Each call is timed per tool and outcome.
 */
final class ToolCalls {
    static final String UNAVAILABLE = "Knowledge service unavailable, retry later.";
    static final String BUSY = "Knowledge service is busy right now; retry in about a second.";

    private final KaizenApi api;
    private final McpJsonMapper json;
    private final LatencyTimers timers = new LatencyTimers("kaizen.mcp.tool.calls",
            "MCP tool calls by tool and outcome (ok, rejected, denied, unavailable, error)", "tool", "outcome");

    ToolCalls(KaizenApi api, McpJsonMapper json) {
        this.api = api;
        this.json = json;
    }

    /** Calls {@code tool}; {@code meta} is the request's {@code _meta} (its {@code traceparent} continues the caller's trace). */
    McpSchema.CallToolResult call(KaizenTool tool, Map<String, Object> arguments, Map<String, Object> meta) {
        return McpTracing.toolCall(tool.name(), meta, () -> call(tool, arguments));
    }

    McpSchema.CallToolResult call(KaizenTool tool, Map<String, Object> arguments) {
        long start = System.nanoTime();
        String outcome = "error";
        try {
            KaizenTool.Answer answer = tool.handler().call(new Arguments(tool.name(), arguments, tool.argumentSchemas()), api);
            outcome = "ok";
            McpSchema.CallToolResult.Builder result = McpSchema.CallToolResult.builder()
                    .structuredContent(answer.body())
                    .addTextContent(toJson(answer.body()))
                    .isError(false);
            answer.links().forEach(result::addContent);
            return result.build();
        } catch (ToolRefusal refusal) {
            outcome = "rejected";
            return error(refusal.getMessage());
        } catch (StatusRuntimeException failure) {
            Status status = failure.getStatus();
            outcome = switch (status.getCode()) {
                case UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED -> "unavailable";
                case INTERNAL, UNKNOWN, UNIMPLEMENTED, DATA_LOSS -> "error";
                case UNAUTHENTICATED, PERMISSION_DENIED -> "denied";
                default -> "rejected";
            };
            noteMissingScope(failure);
            if (status.getCode() == Status.Code.UNAVAILABLE) {
                api.reconnectNow();
            }
            return error(message(failure, tool.name()));
        } catch (RuntimeException bug) {
            return error(JsonRpcErrors.internalMessage(tool.name(), bug));
        } finally {
            String name = tool.name();
            String result = outcome;
            McpTracing.outcome(McpTracing.namespace(name, arguments), result);
            timers.record(name, result, start);
        }
    }

    /**
     * The sentence a caller sees for a gRPC failure. knowledge-service's refusals already are such
     * sentences; what the gateway does besides goes by their {@link ErrorDetails} reason, never by the text.
     */
    static String message(StatusRuntimeException failure, String tool) {
        Status status = failure.getStatus();
        return switch (status.getCode()) {
            case UNAVAILABLE -> UNAVAILABLE;
            case DEADLINE_EXCEEDED -> "Knowledge service did not answer in time, retry later.";
            case RESOURCE_EXHAUSTED -> ErrorDetails.is(failure, ErrorDetails.Reason.REQUEST_TOO_LARGE)
                    && status.getDescription() != null ? status.getDescription() : BUSY;
            case INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION, ABORTED, OUT_OF_RANGE, INTERNAL,
                 PERMISSION_DENIED, UNAUTHENTICATED ->
                    status.getDescription() == null ? tool + " failed (" + status.getCode() + "); retry later."
                            : status.getDescription();
            default -> "Knowledge service could not run " + tool + " (" + status.getCode() + "); retry later.";
        };
    }

    /**
     * When knowledge-service refused for want of a grant, tells the caller's transport the scope it
     * named, so that HTTP answers 403 insufficient_scope.
     */
    static void noteMissingScope(StatusRuntimeException failure) {
        if (failure.getStatus().getCode() == Status.Code.PERMISSION_DENIED && failure.getTrailers() != null) {
            String grantScope = failure.getTrailers().get(Headers.REQUIRED_GRANT_SCOPE);
            if (grantScope != null) {
                Caller.current().ifPresent(caller -> caller.deniedFor(grantScope));
            }
        }
    }

    private static McpSchema.CallToolResult error(String message) {
        return McpSchema.CallToolResult.builder().addTextContent(message).isError(true).build();
    }

    private String toJson(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
