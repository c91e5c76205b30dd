package dev.kaizen.gateway;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.kaizen.api.Rules;
import dev.kaizen.api.v1.AuditEvent;
import dev.kaizen.api.v1.KnowledgeEntry;
import dev.kaizen.api.v1.Namespace;
import dev.kaizen.api.v1.Scope;
import dev.kaizen.api.v1.TaskSize;

import static dev.kaizen.gateway.JsonSchemas.array;
import static dev.kaizen.gateway.JsonSchemas.bool;
import static dev.kaizen.gateway.JsonSchemas.integer;
import static dev.kaizen.gateway.JsonSchemas.mapOf;
import static dev.kaizen.gateway.JsonSchemas.nullableString;
import static dev.kaizen.gateway.JsonSchemas.number;
import static dev.kaizen.gateway.JsonSchemas.optional;
import static dev.kaizen.gateway.JsonSchemas.required;
import static dev.kaizen.gateway.JsonSchemas.string;

/**
 * What the tools answer: the result objects, built from the gRPC responses, next to the JSON Schema
 * each tool publishes as its outputSchema (the MCP SDK checks every structured result against it).
 * One convention: the proto's field names, ids as decimal strings, times as RFC 3339 strings,
 * ordered data as arrays.
 */
final class ToolResults {
    private static final Map<String, Object> ID = string("Knowledge id, a decimal string.");
    private static final Map<String, Object> SCOPE_NAMES = array("Canonical scope names.", string("'namespace:scope'."));
    private static final Map<String, Object> SCOPE_BODY = JsonSchemas.object(
            required("description", string("The scope's description.")),
            optional("parents", SCOPE_NAMES));
    private static final Map<String, Object> NAMESPACE_BODY = JsonSchemas.object(
            required("description", string("The namespace's description.")),
            optional("scopes", mapOf("Its scopes by name (the part after ':').", SCOPE_BODY)));
    private static final Map<String, Object> NAMESPACE = JsonSchemas.object(
            required("name", string("The namespace's name.")),
            required("description", string("The namespace's description.")),
            required("scopes", mapOf("Its scopes by name (the part after ':').", SCOPE_BODY)));
    private static final Map<String, Object> SCOPE = JsonSchemas.object(
            required("scope", string("Canonical name of the scope.")),
            required("description", string("The scope's description.")),
            required("parents", SCOPE_NAMES));
    private static final Map<String, Object> WRITTEN = JsonSchemas.object(
            required("id", ID), required("scope", string("Canonical name of the entry's scope.")));
    static final Map<String, Object> ENTRY = JsonSchemas.object(
            required("id", ID),
            required("scope", string("Canonical name of the entry's scope.")),
            required("content", string("The knowledge itself.")),
            required("context", string("Its keywords.")),
            required("task_size", nullableString("Smallest task size it is for, " + Rules.TASK_SIZE_RULE
                    + "; null for every size.")),
            required("suppressed", bool("Whether a conflict resolution hides it from searches.")),
            required("create_time", string("When it was written, RFC 3339.")),
            required("update_time", string("When it last changed, RFC 3339.")),
            required("created_by", string("Who wrote it (empty for entries older than attribution).")),
            required("updated_by", string("Who last changed it.")));
    private static final Map<String, Object> AUDIT_EVENT = JsonSchemas.object(
            required("id", string("The event's id, a decimal string; ids grow with time.")),
            required("time", string("When, RFC 3339.")),
            required("principal", string("Who.")),
            required("action", string("What, e.g. knowledge.write, scope.update, namespace.delete, config.update.")),
            required("namespace", nullableString("Where; null for server-wide changes (settings).")),
            required("target", string("What it changed: a name, an entry id or a setting key.")),
            required("details", string("More about it.")));
    static final Map<String, Object> SCOPE_RESOURCE = JsonSchemas.object(
            required("scope", string("Canonical name of the scope.")),
            required("description", string("The scope's description.")),
            required("parents", SCOPE_NAMES),
            required("entries", integer("Number of knowledge entries in the scope itself.")));
    private static final Map<String, Object> RESULT = JsonSchemas.object(
            required("id", ID),
            required("scope", string("Canonical name of the entry's scope.")),
            required("relevance", number("0-1, best first, by words and meaning; by words alone, 0.5 or more means "
                    + "it holds every word of a query.")),
            optional("content", string("The whole entry, when it fits the budget.")),
            optional("excerpt", string("A short part of it around a matched word, when it does not.")),
            optional("uri", string("With an excerpt: the resource that reads the entry whole.")),
            optional("match", JsonSchemas.oneOf("How it matched: 'words' (it holds words of a query), 'meaning' (its "
                    + "meaning is near a query's, whatever its words) or 'both'.", List.of("words", "meaning", "both"))));
    private static final Map<String, Object> SETTING = JsonSchemas.object(
            required("value", string("Its value.")),
            required("default_value", string("Its default.")),
            required("type", string("integer, float or regconfig.")),
            required("description", string("What it does and its range.")));

    private static final Map<String, Map<String, Object>> SCHEMAS = Map.ofEntries(
            Map.entry("get_namespaces", JsonSchemas.object(
                    required("namespaces", mapOf("Namespaces by name.", NAMESPACE_BODY)))),
            Map.entry("create_namespace", NAMESPACE),
            Map.entry("update_namespace", NAMESPACE),
            Map.entry("delete_namespace", JsonSchemas.object(
                    required("name", string("The namespace deleted.")),
                    required("scopes_deleted", integer("Scopes deleted with it.")),
                    required("knowledge_deleted", integer("Knowledge entries deleted with it.")))),
            Map.entry("create_scope", SCOPE),
            Map.entry("update_scope", SCOPE),
            Map.entry("delete_scope", JsonSchemas.object(
                    required("scope", string("The scope deleted.")),
                    required("knowledge_deleted", integer("Knowledge entries deleted with it.")))),
            Map.entry("write_knowledge", WRITTEN),
            Map.entry("update_knowledge", WRITTEN),
            Map.entry("delete_knowledge", JsonSchemas.object(required("id", ID))),
            Map.entry("get_knowledge", JsonSchemas.object(
                    required("entries", array("The entries, in the order asked.", ENTRY)))),
            Map.entry("resolve_knowledge_conflict", JsonSchemas.object(
                    required("active_id", ID),
                    required("suppressed_ids", array("The entries now hidden.", ID)))),
            Map.entry("get_task_context", JsonSchemas.object(
                    required("results", array("The entries found, best first.", RESULT)),
                    required("matched", integer("How many entries the search found in all.")),
                    optional("more", integer("How many of them are not in this answer.")),
                    optional("next_offset", integer("The offset that reads on from this answer.")),
                    optional("omitted_scopes", array("Inherited scopes left out because you may not read their "
                            + "namespace.", string("'namespace:scope'."))))),
            Map.entry("get_audit_log", JsonSchemas.object(
                    required("events", array("The changes, newest first.", AUDIT_EVENT)),
                    optional("next_before_id", string("The before_id that reads on to older events.")))),
            Map.entry("list_config", JsonSchemas.object(required("configs", mapOf("The settings by key.", SETTING)))),
            Map.entry("update_config", JsonSchemas.object(
                    required("key", string("The setting.")),
                    required("old_value", string("Its value before.")),
                    required("new_value", string("Its value now.")))),
            Map.entry("reset_config", JsonSchemas.object(
                    required("key", string("The setting.")),
                    required("value", string("Its default, its value now.")))));

    private ToolResults() {
    }

    /** The outputSchema of the tool named {@code tool}. */
    static Map<String, Object> schema(String tool) {
        Map<String, Object> schema = SCHEMAS.get(tool);
        if (schema == null) {
            throw new IllegalStateException("no output schema for " + tool);
        }
        return schema;
    }

    /** {"name", "description", "scopes"} of create_namespace and update_namespace. */
    static Map<String, Object> namespace(Namespace namespace) {
        Map<String, Object> result = map("name", namespace.getName());
        result.putAll(namespaceBody(namespace));
        return result;
    }

    static Map<String, Object> namespaceBody(Namespace namespace) {
        Map<String, Object> body = map("description", namespace.getDescription());
        if (namespace.getScopesCount() > 0) {
            Map<String, Object> scopes = new LinkedHashMap<>();
            for (Scope scope : namespace.getScopesList()) {
                Map<String, Object> scopeBody = map("description", scope.getDescription());
                if (scope.getParentsCount() > 0) {
                    scopeBody.put("parents", scope.getParentsList());
                }
                scopes.put(scope.getName().substring(scope.getName().indexOf(Rules.SCOPE_SEPARATOR) + 1), scopeBody);
            }
            body.put("scopes", scopes);
        }
        return body;
    }

    static Map<String, Object> scope(Scope scope) {
        return map("scope", scope.getName(), "description", scope.getDescription(), "parents", scope.getParentsList());
    }

    /** A scope as its resource shows it: with its number of entries. */
    static Map<String, Object> scopeResource(Scope scope) {
        Map<String, Object> result = scope(scope);
        result.put("entries", scope.getEntries());
        return result;
    }

    static Map<String, Object> entry(KnowledgeEntry entry) {
        return map("id", String.valueOf(entry.getId()),
                "scope", entry.getScope(),
                "content", entry.getContent(),
                "context", entry.getContext(),
                "task_size", entry.getTaskSize() == TaskSize.TASK_SIZE_UNSPECIFIED ? null
                        : entry.getTaskSize().name().substring("TASK_SIZE_".length()),
                "suppressed", entry.getSuppressed(),
                "create_time", instant(entry.getCreateTime()),
                "update_time", instant(entry.getUpdateTime()),
                "created_by", entry.getCreatedBy(),
                "updated_by", entry.getUpdatedBy());
    }

    static Map<String, Object> auditEvent(AuditEvent event) {
        return map("id", String.valueOf(event.getId()),
                "time", instant(event.getTime()),
                "principal", event.getPrincipal(),
                "action", event.getAction(),
                "namespace", event.getNamespace().isEmpty() ? null : event.getNamespace(),
                "target", event.getTarget(),
                "details", event.getDetails());
    }

    private static String instant(com.google.protobuf.Timestamp time) {
        return Instant.ofEpochSecond(time.getSeconds(), time.getNanos()).toString();
    }

    /** An ordered map from alternating keys and values (values may be null). */
    static Map<String, Object> map(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }
}
