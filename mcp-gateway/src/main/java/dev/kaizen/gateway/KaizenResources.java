package dev.kaizen.gateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

import dev.kaizen.api.RuleViolation;
import dev.kaizen.api.Rules;
import dev.kaizen.api.SearchResultJson;
import dev.kaizen.api.v1.GetKnowledgeRequest;
import dev.kaizen.api.v1.GetScopeRequest;
import dev.kaizen.api.v1.ListNamespacesRequest;
import dev.kaizen.api.v1.Namespace;
import dev.kaizen.api.v1.NamespaceView;
import dev.kaizen.api.v1.Scope;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import io.modelcontextprotocol.util.DefaultMcpUriTemplateManager;
import io.modelcontextprotocol.util.McpUriTemplateManager;

/**
 * Kaizen's MCP resources, as data for either transport: a knowledge entry by id (what search
 * results link to when they come as excerpts) and a scope by name, and completions of scope names
 * for the resource template and the prompts that take a scope. (MCP completes arguments of prompts
 * and resource templates only; tool arguments publish their rules in their schemas instead.)
 */
final class KaizenResources {
    static final String ENTRY = "kaizen://knowledge/{id}";
    static final String SCOPE = "kaizen://scope/{scope}";
    private static final McpUriTemplateManager ENTRY_URI = new DefaultMcpUriTemplateManager(ENTRY);
    private static final McpUriTemplateManager SCOPE_URI = new DefaultMcpUriTemplateManager(SCOPE);
    private static final int RESOURCE_NOT_FOUND = -32002;
    private static final int MOST_COMPLETIONS = 100;
    private static final McpJsonMapper JSON = McpJsonDefaults.getMapper();

    /** A resource template and how to read a URI of it. */
    record Template(McpSchema.ResourceTemplate template,
                    BiFunction<KaizenApi, String, McpSchema.ReadResourceResult> read) {
    }

    /** Completions of one prompt's or template's arguments. */
    record Completion(McpSchema.CompleteReference reference,
                      BiFunction<KaizenApi, McpSchema.CompleteRequest, McpSchema.CompleteResult> complete) {
    }

    private KaizenResources() {
    }

    static List<Template> templates() {
        return List.of(
                new Template(McpSchema.ResourceTemplate.builder(ENTRY, "knowledge-entry")
                        .title("Knowledge entry")
                        .description("One knowledge entry, whole: content, context, task size, scope and times, as "
                                + "get_knowledge shows it. Search results that come as excerpts link here.")
                        .mimeType("application/json").build(),
                        (api, uri) -> {
                            long id;
                            try {
                                id = Rules.id("id", ENTRY_URI.extractVariableValues(uri).get("id"));
                            } catch (RuleViolation violation) {
                                throw McpError.builder(McpSchema.ErrorCodes.INVALID_PARAMS)
                                        .message("The URI names no knowledge entry (use " + ENTRY + ", e.g. "
                                                + "kaizen://knowledge/42): " + violation.getMessage()).build();
                            }
                            return read(uri, () -> KnowledgeTools.entry(api.knowledge().getKnowledge(
                                    GetKnowledgeRequest.newBuilder().addIds(id).build()).getEntries(0)));
                        }),
                new Template(McpSchema.ResourceTemplate.builder(SCOPE, "scope")
                        .title("Scope")
                        .description("One scope: its description, direct parents and number of entries.")
                        .mimeType("application/json").build(),
                        (api, uri) -> {
                            String scope = SCOPE_URI.extractVariableValues(uri).get("scope");
                            return read(uri, () -> ScopeTools.scopeResource(api.scopes().getScope(
                                    GetScopeRequest.newBuilder().setScope(scope == null ? "" : scope).build()).getScope()));
                        }));
    }

    static List<Completion> completions() {
        return List.of(
                new Completion(new McpSchema.ResourceReference(SCOPE), KaizenResources::scopes),
                new Completion(new McpSchema.PromptReference(KaizenPrompts.OPTIMIZE_SEARCH_QUERIES.name()),
                        KaizenResources::scopes));
    }

    /** A link to read an entry whole, for a search result that came as an excerpt. */
    static McpSchema.ResourceLink entryLink(String id) {
        return McpSchema.ResourceLink.builder()
                .uri(SearchResultJson.ENTRY_URI + id)
                .name("knowledge entry " + id)
                .mimeType("application/json")
                .description("The whole entry; the search answer has an excerpt.")
                .build();
    }

    /** Scope names starting with what the caller typed, for an argument named scope. */
    private static McpSchema.CompleteResult scopes(KaizenApi api, McpSchema.CompleteRequest request) {
        if (!"scope".equals(request.argument().name())) {
            return new McpSchema.CompleteResult(new McpSchema.CompleteResult.CompleteCompletion(List.of(), 0, false));
        }
        String typed = request.argument().value() == null ? "" : request.argument().value();
        List<String> names = api.namespaces().listNamespaces(ListNamespacesRequest.newBuilder()
                        .setView(NamespaceView.NAMESPACE_VIEW_SCOPES).build()).getNamespacesList().stream()
                .map(Namespace::getScopesList).flatMap(List::stream).map(Scope::getName)
                .filter(name -> name.startsWith(typed)).toList();
        return new McpSchema.CompleteResult(new McpSchema.CompleteResult.CompleteCompletion(
                names.subList(0, Math.min(MOST_COMPLETIONS, names.size())), names.size(), names.size() > MOST_COMPLETIONS));
    }

    /** The JSON of what {@code body} reads as the resource's one content; gRPC refusals as MCP errors. */
    private static McpSchema.ReadResourceResult read(String uri, java.util.function.Supplier<Map<String, Object>> body) {
        try {
            return McpSchema.ReadResourceResult.builder(List.of(McpSchema.TextResourceContents.builder(uri,
                    JSON.writeValueAsString(body.get())).mimeType("application/json").build())).build();
        } catch (StatusRuntimeException e) {
            Status status = e.getStatus();
            throw McpError.builder(status.getCode() == Status.Code.NOT_FOUND ? RESOURCE_NOT_FOUND
                            : status.getCode() == Status.Code.INVALID_ARGUMENT ? McpSchema.ErrorCodes.INVALID_PARAMS
                            : McpSchema.ErrorCodes.INTERNAL_ERROR)
                    .message(ToolCalls.message(e, "resources/read")).build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
