package dev.kaizen.gateway;

import java.util.List;
import java.util.Map;

import io.modelcontextprotocol.spec.McpSchema;

/**
 * One MCP tool: its published definition and what it does with a call. Tools are data; the one path
 * every call takes is {@link ToolCalls}.
 */
record KaizenTool(McpSchema.Tool definition, Handler handler) {

    /** Turns a call's arguments into gRPC calls and returns the answer. */
    @FunctionalInterface
    interface Handler {
        Answer call(Arguments arguments, KnowledgeServiceClient kaizen);
    }

    /** A tool's answer: the structured result, and links to resources beside it. */
    record Answer(Map<String, Object> body, List<McpSchema.ResourceLink> links) {
        static Answer of(Map<String, Object> body) {
            return new Answer(body, List.of());
        }
    }

    String name() {
        return definition.name();
    }

    /** The published JSON Schema of each argument, by name. */
    @SuppressWarnings("unchecked")
    Map<String, Object> argumentSchemas() {
        return (Map<String, Object>) definition.inputSchema().get("properties");
    }
}
