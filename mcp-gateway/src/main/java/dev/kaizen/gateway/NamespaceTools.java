package dev.kaizen.gateway;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.kaizen.api.Rules;
import dev.kaizen.api.v1.CreateNamespaceRequest;
import dev.kaizen.api.v1.DeleteNamespaceRequest;
import dev.kaizen.api.v1.DeleteNamespaceResponse;
import dev.kaizen.api.v1.ListNamespacesRequest;
import dev.kaizen.api.v1.Namespace;
import dev.kaizen.api.v1.NamespaceView;
import dev.kaizen.api.v1.Scope;
import dev.kaizen.api.v1.UpdateNamespaceRequest;

import static dev.kaizen.gateway.JsonSchemas.integer;
import static dev.kaizen.gateway.JsonSchemas.mapOf;
import static dev.kaizen.gateway.JsonSchemas.object;
import static dev.kaizen.gateway.JsonSchemas.oneOf;
import static dev.kaizen.gateway.JsonSchemas.optional;
import static dev.kaizen.gateway.JsonSchemas.required;
import static dev.kaizen.gateway.JsonSchemas.string;
import static dev.kaizen.gateway.KaizenTool.Effect.DESTROYS;
import static dev.kaizen.gateway.KaizenTool.Effect.READS;
import static dev.kaizen.gateway.KaizenTool.Effect.WRITES;
import static dev.kaizen.gateway.KaizenTool.define;
import static dev.kaizen.gateway.ToolSchemas.DESCRIPTION;
import static dev.kaizen.gateway.ToolSchemas.NAME;
import static dev.kaizen.gateway.ToolSchemas.SCOPE_NAMES;
import static dev.kaizen.gateway.ToolSchemas.map;

/** The namespace tools: list, create, rename or re-describe, delete. */
final class NamespaceTools {
    private static final Map<String, Object> SCOPE_BODY = object(
            required("description", string("The scope's description.")),
            optional("parents", SCOPE_NAMES));
    private static final Map<String, Object> SCOPES = mapOf("Its scopes by name (the part after ':').", SCOPE_BODY);
    private static final Map<String, Object> NAMESPACE_BODY = object(
            required("description", string("The namespace's description.")),
            optional("scopes", SCOPES));
    private static final Map<String, Object> NAMESPACE = object(
            required("name", string("The namespace's name.")),
            required("description", string("The namespace's description.")),
            required("scopes", SCOPES));

    private NamespaceTools() {
    }

    static List<KaizenTool> all() {
        return List.of(
                define("get_namespaces", "List namespaces", READS)
                        .description("List namespaces; style 'long' adds their scopes and 'details' adds each scope's "
                                + "direct parents.")
                        .input(object(optional("namespace", string("Only this namespace (exact name).", Rules.NAME_PATTERN)),
                                optional("style", oneOf("short (default): names and descriptions; long: with scopes; "
                                        + "details: with scopes and their parents.", List.of("short", "long", "details")))))
                        .output(object(required("namespaces", mapOf("Namespaces by name.", NAMESPACE_BODY))))
                        .answers((args, api) -> {
                            ListNamespacesRequest.Builder request = ListNamespacesRequest.newBuilder()
                                    .setView(view(args.optionalString("style").orElse("short")));
                            args.optionalString("namespace", Rules::name).ifPresent(request::setName);
                            Map<String, Object> namespaces = new LinkedHashMap<>();
                            api.namespaces().listNamespaces(request.build()).getNamespacesList()
                                    .forEach(namespace -> namespaces.put(namespace.getName(), body(namespace)));
                            return map("namespaces", namespaces);
                        }),
                define("create_namespace", "Create a namespace", WRITES)
                        .description("Create a namespace and its scope '<name>:default', which inherits global:default.")
                        .input(object(required("name", string(NAME, Rules.NAME_PATTERN)),
                                required("description", string(DESCRIPTION, Rules.DESCRIPTION_MIN, Rules.DESCRIPTION_MAX))))
                        .output(NAMESPACE)
                        .answers((args, api) -> namespace(api.namespaces().createNamespace(CreateNamespaceRequest.newBuilder()
                                .setName(args.string("name")).setDescription(args.string("description")).build())
                                .getNamespace())),
                define("update_namespace", "Rename or re-describe a namespace", WRITES)
                        .description("Rename and/or re-describe a namespace (give at least one of new_name and "
                                + "description); a rename renames all its scopes and keeps their knowledge. 'global' is "
                                + "protected.")
                        .input(object(required("name", string("Current " + NAME, Rules.NAME_PATTERN)),
                                optional("new_name", string("New " + NAME, Rules.NAME_PATTERN)),
                                optional("description", string("New " + DESCRIPTION, Rules.DESCRIPTION_MIN,
                                        Rules.DESCRIPTION_MAX))))
                        .output(NAMESPACE)
                        .answers((args, api) -> {
                            UpdateNamespaceRequest.Builder request = UpdateNamespaceRequest.newBuilder().setName(args.string("name"));
                            args.optionalString("new_name").ifPresent(request::setNewName);
                            args.optionalString("description").ifPresent(request::setDescription);
                            return namespace(api.namespaces().updateNamespace(request.build()).getNamespace());
                        }),
                define("delete_namespace", "Delete a namespace", DESTROYS)
                        .description("Delete a namespace with all its scopes and their knowledge; reports how many of "
                                + "each went. 'global' is protected.")
                        .input(object(required("name", string(NAME, Rules.NAME_PATTERN))))
                        .output(object(
                                required("name", string("The namespace deleted.")),
                                required("scopes_deleted", integer("Scopes deleted with it.")),
                                required("knowledge_deleted", integer("Knowledge entries deleted with it."))))
                        .answers((args, api) -> {
                            DeleteNamespaceResponse deleted = api.namespaces().deleteNamespace(
                                    DeleteNamespaceRequest.newBuilder().setName(args.string("name")).build());
                            return map("name", deleted.getName(), "scopes_deleted", deleted.getScopesDeleted(),
                                    "knowledge_deleted", deleted.getKnowledgeDeleted());
                        }));
    }

    /** {"name", "description", "scopes"} of create_namespace and update_namespace. */
    private static Map<String, Object> namespace(Namespace namespace) {
        Map<String, Object> result = map("name", namespace.getName());
        result.putAll(body(namespace));
        return result;
    }

    private static Map<String, Object> body(Namespace namespace) {
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

    private static NamespaceView view(String style) {
        return switch (style) {
            case "short" -> NamespaceView.NAMESPACE_VIEW_BASIC;
            case "long" -> NamespaceView.NAMESPACE_VIEW_SCOPES;
            case "details" -> NamespaceView.NAMESPACE_VIEW_SCOPE_PARENTS;
            default -> throw new ToolRefusal("style " + Rules.quote(style) + " is not known: use short, long or details.");
        };
    }
}
