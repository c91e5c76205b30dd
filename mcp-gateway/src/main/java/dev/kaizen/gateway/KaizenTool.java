package dev.kaizen.gateway;

import java.util.List;
import java.util.Map;
import java.util.Objects;

import io.modelcontextprotocol.spec.McpSchema;

/**
 * One MCP tool, defined in one place: its name, title, effect, description, input schema, output
 * schema and handler, written together with {@link #define}. Tools are data, grouped by domain
 * ({@link NamespaceTools}, {@link ScopeTools}, {@link KnowledgeTools}, {@link SearchTools},
 * {@link AdministrationTools}); {@link KaizenTools#all} lists them, and the one path every call
 * takes is {@link ToolCalls}.
 */
record KaizenTool(McpSchema.Tool definition, Handler handler) {

    /** What a call does to the knowledge, for the tool's annotations. */
    enum Effect {
        /** Reads only (readOnlyHint). */
        READS,
        /** Writes; calling twice may write twice. */
        WRITES,
        /** Deletes or overwrites (destructiveHint); calling twice has the effect of once. */
        DESTROYS
    }

    /** Turns a call's arguments into gRPC calls and returns the answer. */
    @FunctionalInterface
    interface Handler {
        Answer call(Arguments arguments, KaizenApi api);
    }

    /** Computes a tool's structured result, for the tools that link no resources. */
    @FunctionalInterface
    interface Result {
        Map<String, Object> of(Arguments arguments, KaizenApi api);
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

    /** Starts the definition of the tool {@code name}: {@code define(...).description(...).input(...).output(...).answers(...)}. */
    static Definition define(String name, String title, Effect effect) {
        return new Definition(name, title, effect);
    }

    /** A tool being defined; {@link #answers} or {@link #answersWithLinks} completes it. */
    static final class Definition {
        private final String name;
        private final String title;
        private final Effect effect;
        private String description;
        private Map<String, Object> input;
        private Map<String, Object> output;

        private Definition(String name, String title, Effect effect) {
            this.name = name;
            this.title = title;
            this.effect = effect;
        }

        /** What the tool does, for the agent that chooses it. */
        Definition description(String text) {
            this.description = text;
            return this;
        }

        /** The JSON Schema of its arguments; each argument's description quotes its rule. */
        Definition input(Map<String, Object> schema) {
            this.input = schema;
            return this;
        }

        /** The JSON Schema of its structured result (the SDK checks each result against it). */
        Definition output(Map<String, Object> schema) {
            this.output = schema;
            return this;
        }

        /** Completes the tool with a handler whose answer is its structured result alone. */
        KaizenTool answers(Result result) {
            return answersWithLinks((arguments, api) -> Answer.of(result.of(arguments, api)));
        }

        /** Completes the tool with a handler whose answer may link resources beside its result. */
        KaizenTool answersWithLinks(Handler handler) {
            Objects.requireNonNull(description, () -> name + ": description");
            Objects.requireNonNull(input, () -> name + ": input schema");
            Objects.requireNonNull(output, () -> name + ": output schema");
            McpSchema.ToolAnnotations annotations = McpSchema.ToolAnnotations.builder()
                    .title(title)
                    .readOnlyHint(effect == Effect.READS)
                    .destructiveHint(effect == Effect.DESTROYS)
                    .idempotentHint(effect != Effect.WRITES)
                    .openWorldHint(false)
                    .build();
            return new KaizenTool(McpSchema.Tool.builder(name, input)
                    .title(title)
                    .description(description)
                    .annotations(annotations)
                    .outputSchema(output)
                    .build(), handler);
        }
    }
}
