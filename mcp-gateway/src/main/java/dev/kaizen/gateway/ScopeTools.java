package dev.kaizen.gateway;

import java.util.List;
import java.util.Map;

import dev.kaizen.api.Rules;
import dev.kaizen.api.v1.CreateScopeRequest;
import dev.kaizen.api.v1.DeleteScopeRequest;
import dev.kaizen.api.v1.DeleteScopeResponse;
import dev.kaizen.api.v1.Scope;
import dev.kaizen.api.v1.ScopeParents;
import dev.kaizen.api.v1.UpdateScopeRequest;

import static dev.kaizen.gateway.JsonSchemas.integer;
import static dev.kaizen.gateway.JsonSchemas.object;
import static dev.kaizen.gateway.JsonSchemas.optional;
import static dev.kaizen.gateway.JsonSchemas.required;
import static dev.kaizen.gateway.JsonSchemas.string;
import static dev.kaizen.gateway.JsonSchemas.strings;
import static dev.kaizen.gateway.KaizenTool.Effect.DESTROYS;
import static dev.kaizen.gateway.KaizenTool.Effect.WRITES;
import static dev.kaizen.gateway.KaizenTool.define;
import static dev.kaizen.gateway.ToolSchemas.DESCRIPTION;
import static dev.kaizen.gateway.ToolSchemas.SCOPE;
import static dev.kaizen.gateway.ToolSchemas.SCOPE_NAMES;
import static dev.kaizen.gateway.ToolSchemas.map;

/** The scope tools: create, rename, re-describe or re-parent, delete. (A scope is read as a resource.) */
final class ScopeTools {
    private static final Map<String, Object> SCOPE_RESULT = object(
            required("scope", string("Canonical name of the scope.")),
            required("description", string("The scope's description.")),
            required("parents", SCOPE_NAMES));

    private ScopeTools() {
    }

    static List<KaizenTool> all() {
        return List.of(
                define("create_scope", "Create a scope", WRITES)
                        .description("Create a scope in an existing namespace; it always inherits '<namespace>:default', "
                                + "and parents adds more, from any namespace.")
                        .input(object(required("scope", string(SCOPE, Rules.SCOPE_PATTERN)),
                                required("description", string(DESCRIPTION, Rules.DESCRIPTION_MIN, Rules.DESCRIPTION_MAX)),
                                optional("parents", strings("Extra parent scopes to inherit knowledge from, each "
                                        + Rules.SCOPE_RULE + ".", 0, Rules.PARENTS_MAX, string(SCOPE, Rules.SCOPE_PATTERN)))))
                        .output(SCOPE_RESULT)
                        .answers((args, api) -> scope(api.scopes().createScope(CreateScopeRequest.newBuilder()
                                .setScope(args.string("scope")).setDescription(args.string("description"))
                                .addAllParents(args.optionalStrings("parents").orElse(List.of())).build()).getScope())),
                define("update_scope", "Rename, re-describe or re-parent a scope", WRITES)
                        .description("Rename a scope within its namespace, change its description and/or replace its "
                                + "parents (give at least one); '<namespace>:default' always stays a parent. Default "
                                + "scopes cannot be renamed or given parents, and no change may create an inheritance cycle.")
                        .input(object(required("scope", string("Current " + SCOPE, Rules.SCOPE_PATTERN)),
                                optional("new_scope", string("New canonical name in the same namespace, e.g. "
                                        + "'acme:web-team'.", Rules.SCOPE_PATTERN)),
                                optional("description", string("New " + DESCRIPTION, Rules.DESCRIPTION_MIN,
                                        Rules.DESCRIPTION_MAX)),
                                optional("parents", strings("Replaces the extra parents (an empty list keeps only "
                                        + "'<namespace>:default'); each " + Rules.SCOPE_RULE + ".", 0, Rules.PARENTS_MAX,
                                        string(SCOPE, Rules.SCOPE_PATTERN)))))
                        .output(SCOPE_RESULT)
                        .answers((args, api) -> {
                            UpdateScopeRequest.Builder request = UpdateScopeRequest.newBuilder().setScope(args.string("scope"));
                            args.optionalString("new_scope").ifPresent(request::setNewScope);
                            args.optionalString("description").ifPresent(request::setDescription);
                            args.optionalStrings("parents").ifPresent(parents ->
                                    request.setParents(ScopeParents.newBuilder().addAllScopes(parents)));
                            return scope(api.scopes().updateScope(request.build()).getScope());
                        }),
                define("delete_scope", "Delete a scope", DESTROYS)
                        .description("Delete a scope and its knowledge; reports how many entries went. Its child scopes "
                                + "keep their other parents. Default scopes are deleted only with their namespace.")
                        .input(object(required("scope", string(SCOPE, Rules.SCOPE_PATTERN))))
                        .output(object(
                                required("scope", string("The scope deleted.")),
                                required("knowledge_deleted", integer("Knowledge entries deleted with it."))))
                        .answers((args, api) -> {
                            DeleteScopeResponse deleted = api.scopes().deleteScope(
                                    DeleteScopeRequest.newBuilder().setScope(args.string("scope")).build());
                            return map("scope", deleted.getScope(), "knowledge_deleted", deleted.getKnowledgeDeleted());
                        }));
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
}
