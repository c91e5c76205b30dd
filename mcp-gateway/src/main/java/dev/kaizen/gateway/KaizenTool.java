package dev.kaizen.gateway;

import java.util.Map;
import java.util.Set;

import io.modelcontextprotocol.spec.McpSchema;

/**
 * One MCP tool: its published definition and what it does with a call. Tools are data; the one path
 * every call takes is {@link ToolCalls}.
 */
record KaizenTool(McpSchema.Tool definition, Set<String> arguments, Handler handler) {

    /** Turns a call's arguments into gRPC calls and returns the structured result. */
    @FunctionalInterface
    interface Handler {
        Map<String, Object> call(Arguments arguments, KnowledgeServiceClient kaizen);
    }

    String name() {
        return definition.name();
    }
}
