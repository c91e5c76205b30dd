package dev.kaizen.gateway;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.kaizen.api.Rules;
import dev.kaizen.api.v1.ConfigEntry;
import dev.kaizen.api.v1.CreateNamespaceRequest;
import dev.kaizen.api.v1.CreateScopeRequest;
import dev.kaizen.api.v1.DeleteKnowledgeRequest;
import dev.kaizen.api.v1.DeleteNamespaceRequest;
import dev.kaizen.api.v1.DeleteNamespaceResponse;
import dev.kaizen.api.v1.DeleteScopeRequest;
import dev.kaizen.api.v1.DeleteScopeResponse;
import dev.kaizen.api.v1.GetKnowledgeRequest;
import dev.kaizen.api.v1.GetTaskContextRequest;
import dev.kaizen.api.v1.GetTaskContextResponse;
import dev.kaizen.api.v1.KnowledgeEntry;
import dev.kaizen.api.v1.ListAuditEventsRequest;
import dev.kaizen.api.v1.ListAuditEventsResponse;
import dev.kaizen.api.v1.ListConfigRequest;
import dev.kaizen.api.v1.ListNamespacesRequest;
import dev.kaizen.api.v1.Namespace;
import dev.kaizen.api.v1.NamespaceView;
import dev.kaizen.api.v1.ResetConfigRequest;
import dev.kaizen.api.v1.ResetConfigResponse;
import dev.kaizen.api.v1.ResolveKnowledgeConflictRequest;
import dev.kaizen.api.v1.ResolveKnowledgeConflictResponse;
import dev.kaizen.api.v1.Scope;
import dev.kaizen.api.v1.ScopeParents;
import dev.kaizen.api.v1.TaskSize;
import dev.kaizen.api.v1.UpdateConfigRequest;
import dev.kaizen.api.v1.UpdateConfigResponse;
import dev.kaizen.api.v1.UpdateKnowledgeRequest;
import dev.kaizen.api.v1.UpdateKnowledgeResponse;
import dev.kaizen.api.v1.UpdateNamespaceRequest;
import dev.kaizen.api.v1.UpdateScopeRequest;
import dev.kaizen.api.v1.WriteKnowledgeRequest;
import dev.kaizen.api.v1.WriteKnowledgeResponse;
import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.spec.McpSchema;

import static dev.kaizen.gateway.JsonSchemas.id;
import static dev.kaizen.gateway.JsonSchemas.ids;
import static dev.kaizen.gateway.JsonSchemas.integer;
import static dev.kaizen.gateway.JsonSchemas.nullableOneOf;
import static dev.kaizen.gateway.JsonSchemas.object;
import static dev.kaizen.gateway.JsonSchemas.oneOf;
import static dev.kaizen.gateway.JsonSchemas.optional;
import static dev.kaizen.gateway.JsonSchemas.required;
import static dev.kaizen.gateway.JsonSchemas.string;
import static dev.kaizen.gateway.JsonSchemas.strings;
import static dev.kaizen.gateway.ToolResults.map;
import static dev.kaizen.gateway.ToolResults.namespace;
import static dev.kaizen.gateway.ToolResults.namespaceBody;
import static dev.kaizen.gateway.ToolResults.scope;

/**
 * The seventeen Kaizen tools: for each, its schema, annotations and the
 * mapping from arguments to one gRPC call and from the response to the result object. Argument
 * descriptions quote the rules of {@link Rules}, which knowledge-service enforces.
 */
final class KaizenTools {
    private static final String NAME = "Namespace name: " + Rules.NAME_RULE + ".";
    private static final String DESCRIPTION = "Description: " + Rules.DESCRIPTION_RULE + ".";
    private static final String SCOPE = "Scope: " + Rules.SCOPE_RULE + ".";
    private static final String CONTENT = "The knowledge itself (a rule, convention or lesson learned): "
            + Rules.CONTENT_RULE + ".";
    private static final String CONTEXT = "Keywords that search weighs most: " + Rules.CONTEXT_RULE + ".";
    private static final String TASK_SIZE = "Smallest task size the entry is for, " + Rules.TASK_SIZE_RULE
            + "; leave out for entries that apply to every task size.";
    private static final String ID = "Knowledge id: " + Rules.ID_RULE + "; a decimal string (e.g. \"42\") or an integer.";

    private enum Kind { READ_ONLY, WRITE, DESTRUCTIVE }

    private static final McpJsonMapper JSON = McpJsonDefaults.getMapper();

    private KaizenTools() {
    }

    static List<KaizenTool> all() {
        return List.of(
                tool("get_namespaces", "List namespaces",
                        "List namespaces; style 'long' adds their scopes and 'details' adds each scope's direct parents.",
                        Kind.READ_ONLY,
                        object(optional("namespace", string("Only this namespace (exact name).", Rules.NAME_PATTERN)),
                                optional("style", oneOf("short (default): names and descriptions; long: with scopes; "
                                        + "details: with scopes and their parents.", List.of("short", "long", "details")))),
                        (args, kaizen) -> {
                            ListNamespacesRequest.Builder request = ListNamespacesRequest.newBuilder()
                                    .setView(view(args.optionalString("style").orElse("short")));
                            args.optionalString("namespace", Rules::name).ifPresent(request::setName);
                            Map<String, Object> namespaces = new LinkedHashMap<>();
                            kaizen.namespaces().listNamespaces(request.build()).getNamespacesList()
                                    .forEach(namespace -> namespaces.put(namespace.getName(), namespaceBody(namespace)));
                            return map("namespaces", namespaces);
                        }),
                tool("create_namespace", "Create a namespace",
                        "Create a namespace and its scope '<name>:default', which inherits global:default.",
                        Kind.WRITE,
                        object(required("name", string(NAME, Rules.NAME_PATTERN)),
                                required("description", string(DESCRIPTION, Rules.DESCRIPTION_MIN, Rules.DESCRIPTION_MAX))),
                        (args, kaizen) -> namespace(kaizen.namespaces().createNamespace(CreateNamespaceRequest.newBuilder()
                                .setName(args.string("name")).setDescription(args.string("description")).build())
                                .getNamespace())),
                tool("update_namespace", "Rename or re-describe a namespace",
                        "Rename and/or re-describe a namespace (give at least one of new_name and description); "
                                + "a rename renames all its scopes and keeps their knowledge. 'global' is protected.",
                        Kind.WRITE,
                        object(required("name", string("Current " + NAME, Rules.NAME_PATTERN)),
                                optional("new_name", string("New " + NAME, Rules.NAME_PATTERN)),
                                optional("description", string("New " + DESCRIPTION, Rules.DESCRIPTION_MIN,
                                        Rules.DESCRIPTION_MAX))),
                        (args, kaizen) -> {
                            UpdateNamespaceRequest.Builder request = UpdateNamespaceRequest.newBuilder().setName(args.string("name"));
                            args.optionalString("new_name").ifPresent(request::setNewName);
                            args.optionalString("description").ifPresent(request::setDescription);
                            return namespace(kaizen.namespaces().updateNamespace(request.build()).getNamespace());
                        }),
                tool("delete_namespace", "Delete a namespace",
                        "Delete a namespace with all its scopes and their knowledge; reports how many of each went. "
                                + "'global' is protected.",
                        Kind.DESTRUCTIVE,
                        object(required("name", string(NAME, Rules.NAME_PATTERN))),
                        (args, kaizen) -> {
                            DeleteNamespaceResponse deleted = kaizen.namespaces().deleteNamespace(
                                    DeleteNamespaceRequest.newBuilder().setName(args.string("name")).build());
                            return map("name", deleted.getName(), "scopes_deleted", deleted.getScopesDeleted(),
                                    "knowledge_deleted", deleted.getKnowledgeDeleted());
                        }),
                tool("create_scope", "Create a scope",
                        "Create a scope in an existing namespace; it always inherits '<namespace>:default', and "
                                + "parents adds more, from any namespace.",
                        Kind.WRITE,
                        object(required("scope", string(SCOPE, Rules.SCOPE_PATTERN)),
                                required("description", string(DESCRIPTION, Rules.DESCRIPTION_MIN, Rules.DESCRIPTION_MAX)),
                                optional("parents", strings("Extra parent scopes to inherit knowledge from, each "
                                        + Rules.SCOPE_RULE + ".", 0, Rules.PARENTS_MAX, string(SCOPE, Rules.SCOPE_PATTERN)))),
                        (args, kaizen) -> scope(kaizen.scopes().createScope(CreateScopeRequest.newBuilder()
                                .setScope(args.string("scope")).setDescription(args.string("description"))
                                .addAllParents(args.optionalStrings("parents").orElse(List.of())).build()).getScope())),
                tool("update_scope", "Rename, re-describe or re-parent a scope",
                        "Rename a scope within its namespace, change its description and/or replace its parents "
                                + "(give at least one); '<namespace>:default' always stays a parent. Default scopes "
                                + "cannot be renamed or given parents, and no change may create an inheritance cycle.",
                        Kind.WRITE,
                        object(required("scope", string("Current " + SCOPE, Rules.SCOPE_PATTERN)),
                                optional("new_scope", string("New canonical name in the same namespace, e.g. "
                                        + "'acme:web-team'.", Rules.SCOPE_PATTERN)),
                                optional("description", string("New " + DESCRIPTION, Rules.DESCRIPTION_MIN,
                                        Rules.DESCRIPTION_MAX)),
                                optional("parents", strings("Replaces the extra parents (an empty list keeps only "
                                        + "'<namespace>:default'); each " + Rules.SCOPE_RULE + ".", 0, Rules.PARENTS_MAX, string(SCOPE, Rules.SCOPE_PATTERN)))),
                        (args, kaizen) -> {
                            UpdateScopeRequest.Builder request = UpdateScopeRequest.newBuilder().setScope(args.string("scope"));
                            args.optionalString("new_scope").ifPresent(request::setNewScope);
                            args.optionalString("description").ifPresent(request::setDescription);
                            args.optionalStrings("parents").ifPresent(parents ->
                                    request.setParents(ScopeParents.newBuilder().addAllScopes(parents)));
                            return scope(kaizen.scopes().updateScope(request.build()).getScope());
                        }),
                tool("delete_scope", "Delete a scope",
                        "Delete a scope and its knowledge; reports how many entries went. Its child scopes keep "
                                + "their other parents. Default scopes are deleted only with their namespace.",
                        Kind.DESTRUCTIVE,
                        object(required("scope", string(SCOPE, Rules.SCOPE_PATTERN))),
                        (args, kaizen) -> {
                            DeleteScopeResponse deleted = kaizen.scopes().deleteScope(
                                    DeleteScopeRequest.newBuilder().setScope(args.string("scope")).build());
                            return map("scope", deleted.getScope(), "knowledge_deleted", deleted.getKnowledgeDeleted());
                        }),
                tool("write_knowledge", "Write a knowledge entry",
                        "Store a knowledge entry (a hard fact: rule, convention, lesson learned) in a scope, where "
                                + "every scope inheriting from it will find it. Use the optimize_knowledge_entry "
                                + "prompt to write content and context that searches find.",
                        Kind.WRITE,
                        object(required("scope", string(SCOPE, Rules.SCOPE_PATTERN)),
                                required("content", string(CONTENT, 1, Rules.CONTENT_MAX)),
                                required("context", string(CONTEXT)),
                                optional("task_size", oneOf(TASK_SIZE, Rules.TASK_SIZES))),
                        (args, kaizen) -> {
                            WriteKnowledgeRequest.Builder request = WriteKnowledgeRequest.newBuilder()
                                    .setScope(args.string("scope")).setContent(args.string("content"))
                                    .setContext(args.string("context"));
                            args.taskSize("task_size").ifPresent(request::setTaskSize);
                            WriteKnowledgeResponse written = kaizen.knowledge().writeKnowledge(request.build());
                            return map("id", String.valueOf(written.getId()), "scope", written.getScope());
                        }),
                tool("update_knowledge", "Update a knowledge entry",
                        "Change an entry's content, context, scope and/or task size (give at least one).",
                        Kind.WRITE,
                        object(required("id", id(ID)),
                                optional("content", string("New content: " + Rules.CONTENT_RULE + ".", 1, Rules.CONTENT_MAX)),
                                optional("context", string("New context: " + Rules.CONTEXT_RULE + ".")),
                                optional("scope", string("Scope to move the entry to: " + Rules.SCOPE_RULE + ".", Rules.SCOPE_PATTERN)),
                                optional("task_size", nullableOneOf("New task size, " + Rules.TASK_SIZE_RULE
                                        + "; null removes the task size.", Rules.TASK_SIZES))),
                        (args, kaizen) -> {
                            UpdateKnowledgeRequest.Builder request = UpdateKnowledgeRequest.newBuilder().setId(args.id("id"));
                            args.optionalString("content").ifPresent(request::setContent);
                            args.optionalString("context").ifPresent(request::setContext);
                            args.optionalString("scope").ifPresent(request::setScope);
                            args.taskSize("task_size").ifPresent(request::setTaskSize);
                            UpdateKnowledgeResponse updated = kaizen.knowledge().updateKnowledge(request.build());
                            return map("id", String.valueOf(updated.getId()), "scope", updated.getScope());
                        }),
                tool("delete_knowledge", "Delete a knowledge entry", "Delete one knowledge entry by id.",
                        Kind.DESTRUCTIVE,
                        object(required("id", id(ID))),
                        (args, kaizen) -> map("id", String.valueOf(kaizen.knowledge().deleteKnowledge(
                                DeleteKnowledgeRequest.newBuilder().setId(args.id("id")).build()).getId()))),
                tool("get_knowledge", "Get knowledge entries by id",
                        "Read whole knowledge entries by id, in the order asked.",
                        Kind.READ_ONLY,
                        object(required("ids", ids("1-" + Rules.IDS_MAX + " knowledge ids, each " + Rules.ID_RULE + ".", Rules.IDS_MAX))),
                        (args, kaizen) -> map("entries", kaizen.knowledge().getKnowledge(GetKnowledgeRequest.newBuilder()
                                .addAllIds(args.ids("ids")).build()).getEntriesList().stream().map(ToolResults::entry).toList())),
                tool("resolve_knowledge_conflict", "Resolve a knowledge conflict",
                        "When entries contradict each other, keep one active and hide the others from every "
                                + "search from now on; the decision is kept as an audit record.",
                        Kind.WRITE,
                        object(required("active_id", id("The entry that stays: " + ID)),
                                required("suppressed_ids", ids("1-" + Rules.IDS_MAX + " entries to hide, not "
                                        + "including active_id; each " + Rules.ID_RULE + ".", Rules.IDS_MAX))),
                        (args, kaizen) -> {
                            ResolveKnowledgeConflictResponse resolved = kaizen.knowledge().resolveKnowledgeConflict(
                                    ResolveKnowledgeConflictRequest.newBuilder().setActiveId(args.id("active_id"))
                                            .addAllSuppressedIds(args.ids("suppressed_ids")).build());
                            return map("active_id", String.valueOf(resolved.getActiveId()), "suppressed_ids",
                                    resolved.getSuppressedIdsList().stream().map(String::valueOf).toList());
                        }),
                linking("get_task_context", "Get the knowledge for a task",
                        "Before a task, find the knowledge relevant to it: several focused queries at once, each a "
                                + "question or sentence in your own words or a few keywords, over the scope and everything "
                                + "it inherits. The answer is one list, best first, each "
                                + "entry with its id, scope, relevance (0-1; 0.5 or more means it holds every word of a "
                                + "query) and content, within max_tokens: the best entries come whole while they fit, "
                                + "the rest as a short excerpt with the uri that reads it whole (resources/read); "
                                + "'more' and 'next_offset' say how many matched beyond the answer and how to read on. "
                                + "Use the optimize_search_queries prompt to split a task into queries.",
                        Kind.READ_ONLY,
                        object(required("queries", strings("Queries: " + Rules.QUERIES_RULE + ". Ask about one aspect "
                                        + "of the task per query. Entries holding every word of a query rank first; "
                                        + "entries holding some of them follow when few hold all; rare words count more "
                                        + "than common ones; question filler ('how do we', 'please') is left out.", 1,
                                        Rules.QUERIES_MAX, string(Rules.QUERY_RULE, 1, Rules.QUERY_MAX))),
                                required("scope", string("Scope of the task: " + Rules.SCOPE_RULE + ".", Rules.SCOPE_PATTERN)),
                                optional("task_size", oneOf("Size of the task, " + Rules.TASK_SIZE_RULE + ": keeps entries "
                                        + "without a task size or with one at least this large.", Rules.TASK_SIZES)),
                                optional("max_tokens", integer("Most tokens the answer may take: " + Rules.MAX_TOKENS_RULE
                                        + ".", Rules.MAX_TOKENS_MIN, Rules.MAX_TOKENS_MAX)),
                                optional("offset", integer("Where in the ranked list the answer starts (default 0): "
                                        + "give the next_offset of an earlier answer to read on.", 0, Rules.RESULTS_MAX))),
                        (args, kaizen) -> {
                            List<String> queries = args.strings("queries");
                            GetTaskContextRequest.Builder request = GetTaskContextRequest.newBuilder()
                                    .addAllQueries(queries).setScope(args.string("scope"));
                            args.taskSize("task_size").ifPresent(request::setTaskSize);
                            int maxTokens = args.integer("max_tokens", Rules.MAX_TOKENS_DEFAULT,
                                    value -> Rules.maxTokens("max_tokens", value));
                            int offset = args.integer("offset", 0, value -> Rules.offset("offset", value));
                            GetTaskContextResponse found = kaizen.knowledge().getTaskContext(request.build());
                            TaskContextAnswer answer = TaskContextAnswer.fit(found.getEntriesList(), queries, maxTokens,
                                    offset, JSON).omitting(found.getOmittedScopesList());
                            return new KaizenTool.Answer(answer.body(), answer.excerpted().stream()
                                    .map(KaizenResources::entryLink).toList());
                        }),
                tool("get_audit_log", "Read the audit log",
                        "Who changed what and when, newest first: every change to namespaces, scopes, knowledge and "
                                + "settings. Server-wide admins read all of it; a namespace's admins read its events "
                                + "(give namespace).",
                        Kind.READ_ONLY,
                        object(optional("namespace", string("Only the events of this namespace: " + Rules.NAME_RULE + ".",
                                        Rules.NAME_PATTERN)),
                                optional("limit", integer("Most events to answer (default " + Rules.AUDIT_PAGE_DEFAULT
                                        + ").", 1, Rules.AUDIT_PAGE_MAX)),
                                optional("before_id", id("Only events older than this one: the next_before_id of an "
                                        + "earlier answer."))),
                        (args, kaizen) -> {
                            ListAuditEventsRequest.Builder request = ListAuditEventsRequest.newBuilder()
                                    .setPageSize(args.integer("limit", Rules.AUDIT_PAGE_DEFAULT,
                                            value -> Rules.auditPageSize("limit", value)));
                            args.optionalString("namespace", Rules::name).ifPresent(request::setNamespace);
                            if (args.has("before_id")) {
                                request.setBeforeId(args.id("before_id"));
                            }
                            ListAuditEventsResponse events = kaizen.audit().listAuditEvents(request.build());
                            Map<String, Object> result = map("events",
                                    events.getEventsList().stream().map(ToolResults::auditEvent).toList());
                            if (events.getNextPageBeforeId() != 0) {
                                result.put("next_before_id", String.valueOf(events.getNextPageBeforeId()));
                            }
                            return result;
                        }),
                tool("list_config", "List the configuration",
                        "List the search settings with their values, defaults, types and descriptions.",
                        Kind.READ_ONLY,
                        object(),
                        (args, kaizen) -> {
                            Map<String, Object> configs = new LinkedHashMap<>();
                            for (ConfigEntry entry : kaizen.config().listConfig(ListConfigRequest.getDefaultInstance())
                                    .getEntriesList()) {
                                configs.put(entry.getKey(), map("value", entry.getValue(), "default_value",
                                        entry.getDefaultValue(), "type", entry.getType().name()
                                                .substring("CONFIG_TYPE_".length()).toLowerCase(Locale.ROOT),
                                        "description", entry.getDescription()));
                            }
                            return map("configs", configs);
                        }),
                tool("update_config", "Change a setting",
                        "Set a search setting; the value is checked against the key's type and range "
                                + "(list_config shows them).",
                        Kind.WRITE,
                        object(required("key", string("Setting key, e.g. search.max_results.")),
                                required("value", string("New value, as text, e.g. \"20\"."))),
                        (args, kaizen) -> {
                            UpdateConfigResponse updated = kaizen.config().updateConfig(UpdateConfigRequest.newBuilder()
                                    .setKey(args.string("key")).setValue(args.string("value")).build());
                            return map("key", updated.getKey(), "old_value", updated.getOldValue(),
                                    "new_value", updated.getNewValue());
                        }),
                tool("reset_config", "Reset a setting", "Set a search setting back to its default value.",
                        Kind.WRITE,
                        object(required("key", string("Setting key, e.g. search.max_results."))),
                        (args, kaizen) -> {
                            ResetConfigResponse reset = kaizen.config().resetConfig(
                                    ResetConfigRequest.newBuilder().setKey(args.string("key")).build());
                            return map("key", reset.getKey(), "value", reset.getValue());
                        }));
    }

    /** A tool whose answer is its structured result alone. */
    private static KaizenTool tool(String name, String title, String description, Kind kind,
                                   Map<String, Object> schema, Result result) {
        return linking(name, title, description, kind, schema,
                (arguments, kaizen) -> KaizenTool.Answer.of(result.of(arguments, kaizen)));
    }

    /** Computes a tool's structured result. */
    @FunctionalInterface
    private interface Result {
        Map<String, Object> of(Arguments arguments, KnowledgeServiceClient kaizen);
    }

    /** A tool whose answer may link resources beside its structured result. */
    private static KaizenTool linking(String name, String title, String description, Kind kind,
                                      Map<String, Object> schema, KaizenTool.Handler handler) {
        McpSchema.ToolAnnotations annotations = McpSchema.ToolAnnotations.builder()
                .title(title)
                .readOnlyHint(kind == Kind.READ_ONLY)
                .destructiveHint(kind == Kind.DESTRUCTIVE)
                .idempotentHint(kind != Kind.WRITE)
                .openWorldHint(false)
                .build();
        McpSchema.Tool definition = McpSchema.Tool.builder(name, schema)
                .title(title)
                .description(description)
                .annotations(annotations)
                .outputSchema(ToolResults.schema(name))
                .build();
        return new KaizenTool(definition, handler);
    }

    private static NamespaceView view(String style) {
        return switch (style) {
            case "short" -> NamespaceView.NAMESPACE_VIEW_BASIC;
            case "long" -> NamespaceView.NAMESPACE_VIEW_SCOPES;
            case "details" -> NamespaceView.NAMESPACE_VIEW_SCOPE_PARENTS;
            default -> throw new ToolRefusal("style " + Rules.quote(style) + " is not known: use short, long or details.");
        };
    }
}
