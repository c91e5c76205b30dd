package dev.kaizen.knowledge;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.kaizen.api.ErrorDetails.Reason;
import dev.kaizen.api.Rules;
import dev.kaizen.api.v1.CreateNamespaceRequest;
import dev.kaizen.api.v1.CreateNamespaceResponse;
import dev.kaizen.api.v1.DeleteNamespaceRequest;
import dev.kaizen.api.v1.DeleteNamespaceResponse;
import dev.kaizen.api.v1.ListNamespacesRequest;
import dev.kaizen.api.v1.ListNamespacesResponse;
import dev.kaizen.api.v1.Namespace;
import dev.kaizen.api.v1.NamespaceServiceGrpc;
import dev.kaizen.api.v1.NamespaceView;
import dev.kaizen.api.v1.Scope;
import dev.kaizen.api.v1.UpdateNamespaceRequest;
import dev.kaizen.api.v1.UpdateNamespaceResponse;
import dev.kaizen.identity.Grant;
import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.helidon.dbclient.DbExecute;
import io.helidon.dbclient.DbRow;

/** kaizen.v1.NamespaceService: namespaces, each with its default scope; `global` is protected. */
final class NamespaceService implements BindableService {
    private final Database database;

    NamespaceService(Database database) {
        this.database = database;
    }

    @Override
    public ServerServiceDefinition bindService() {
        return Rpc.service(NamespaceServiceGrpc.getServiceDescriptor())
                .unary(NamespaceServiceGrpc.getListNamespacesMethod(), this::listNamespaces)
                .unary(NamespaceServiceGrpc.getCreateNamespaceMethod(), this::createNamespace)
                .unary(NamespaceServiceGrpc.getUpdateNamespaceMethod(), this::updateNamespace)
                .unary(NamespaceServiceGrpc.getDeleteNamespaceMethod(), this::deleteNamespace)
                .build();
    }

    private ListNamespacesResponse listNamespaces(ListNamespacesRequest request) {
        String only = request.hasName() ? Rules.name("name", request.getName()) : null;
        if (only != null) {
            Access.require(Grant.READ, only, "read");
        }
        NamespaceView view = request.getView();
        List<Namespace> namespaces = database.inTransaction(db -> namespaces(db, only, view)).stream()
                .filter(namespace -> Access.mayRead(namespace.getName())).toList();
        if (only != null && namespaces.isEmpty()) {
            throw namespaceNotFound("name", only);
        }
        return ListNamespacesResponse.newBuilder().addAllNamespaces(namespaces).build();
    }

    private CreateNamespaceResponse createNamespace(CreateNamespaceRequest request) {
        String name = Rules.name("name", request.getName());
        String description = Rules.description("description", request.getDescription());
        Access.requireServerAdmin("create namespaces");
        Namespace created = database.inTransaction(tx -> {
            long namespaceId = Sql.row(tx, """
                            INSERT INTO namespace (name, description) VALUES (?, ?)
                            ON CONFLICT (name) DO NOTHING
                            RETURNING id""", name, description)
                    .map(row -> Sql.number(row, "id"))
                    .orElseThrow(() -> Failures.alreadyExists("name", "namespace '" + name + "' already exists: choose "
                            + "another name, or change the existing one with update_namespace."));
            // the default scope shares the namespace's description and inherits only global:default
            Sql.update(tx, """
                    WITH created AS (
                        INSERT INTO scope (namespace_id, name, description) VALUES (?, ?, ?) RETURNING id)
                    INSERT INTO scope_parent (scope_id, parent_id)
                    SELECT created.id, g.id FROM created, qualified_scope g
                    WHERE g.namespace = ? AND g.name = ?""",
                    namespaceId, Rules.DEFAULT_SCOPE, description,
                    ScopeName.GLOBAL_DEFAULT.namespace(), ScopeName.GLOBAL_DEFAULT.name());
            Audit.record(tx, "namespace.create", name, name, description);
            return namespaces(tx, name, NamespaceView.NAMESPACE_VIEW_SCOPES).getFirst();
        });
        return CreateNamespaceResponse.newBuilder().setNamespace(created).build();
    }

    private UpdateNamespaceResponse updateNamespace(UpdateNamespaceRequest request) {
        String name = Rules.name("name", request.getName());
        String newName = request.hasNewName() ? Rules.name("new_name", request.getNewName()) : null;
        String description = request.hasDescription() ? Rules.description("description", request.getDescription()) : null;
        if (newName == null && description == null) {
            throw Failures.invalidArgument(null, "Nothing to change: give new_name, description or both.");
        }
        if (newName != null && !newName.equals(name)) {
            Access.requireServerAdmin("rename namespaces (grants name them)");
        } else {
            Access.require(Grant.ADMIN, name, "re-describe");
        }
        requireNotGlobal(name, "renamed or re-described");
        Namespace updated = database.inTransaction(tx -> {
            long id = lockNamespace(tx, name);
            if (description != null) {
                Sql.update(tx, "UPDATE namespace SET description = ? WHERE id = ?", description, id);
            }
            String current = name;
            if (newName != null && !newName.equals(name)) {
                if (Sql.row(tx, "SELECT 1 FROM namespace WHERE name = ?", newName).isPresent()) {
                    throw Failures.alreadyExists("new_name", "new_name '" + newName + "' is taken by another namespace: "
                            + "choose another name.");
                }
                Sql.update(tx, "UPDATE namespace SET name = ? WHERE id = ?", newName, id);
                Audit.record(tx, "namespace.rename", newName, name, "renamed to " + newName);
                current = newName;
            }
            if (description != null) {
                Audit.record(tx, "namespace.update", current, current, "description: " + description);
            }
            return namespaces(tx, current, NamespaceView.NAMESPACE_VIEW_SCOPES).getFirst();
        });
        return UpdateNamespaceResponse.newBuilder().setNamespace(updated).build();
    }

    private DeleteNamespaceResponse deleteNamespace(DeleteNamespaceRequest request) {
        String name = Rules.name("name", request.getName());
        Access.require(Grant.ADMIN, name, "delete");
        requireNotGlobal(name, "deleted");
        return database.inTransaction(tx -> {
            long id = lockNamespace(tx, name);
            // lock the scopes first, so no write can add knowledge to them before they go
            Sql.rows(tx, "SELECT id FROM scope WHERE namespace_id = ? FOR UPDATE", id);
            KnowledgeHistory.record(tx, KnowledgeHistory.DELETE_NAMESPACE,
                    "k.scope_id IN (SELECT id FROM scope WHERE namespace_id = ?)", id);
            long knowledge = Sql.update(tx,
                    "DELETE FROM knowledge WHERE scope_id IN (SELECT id FROM scope WHERE namespace_id = ?)", id);
            long scopes = Sql.update(tx, "DELETE FROM scope WHERE namespace_id = ?", id);
            Sql.update(tx, "DELETE FROM namespace WHERE id = ?", id);
            Audit.record(tx, "namespace.delete", name, name, scopes + " scopes and " + knowledge + " entries deleted");
            return DeleteNamespaceResponse.newBuilder()
                    .setName(name)
                    .setScopesDeleted(scopes)
                    .setKnowledgeDeleted(knowledge)
                    .build();
        });
    }

    /** All namespaces, or the one named {@code only}, in the detail of {@code view}. */
    static List<Namespace> namespaces(DbExecute db, String only, NamespaceView view) {
        Map<String, Namespace.Builder> namespaces = new LinkedHashMap<>();
        for (DbRow row : Sql.rows(db, """
                SELECT name, description FROM namespace
                WHERE name = coalesce(?, name)
                ORDER BY name""", only)) {
            namespaces.put(Sql.string(row, "name"), Namespace.newBuilder()
                    .setName(Sql.string(row, "name"))
                    .setDescription(Sql.string(row, "description")));
        }
        boolean scopes = view == NamespaceView.NAMESPACE_VIEW_SCOPES || view == NamespaceView.NAMESPACE_VIEW_SCOPE_PARENTS;
        boolean parents = view == NamespaceView.NAMESPACE_VIEW_SCOPE_PARENTS;
        if (scopes && !namespaces.isEmpty()) {
            for (DbRow row : Sql.rows(db, """
                    SELECT s.namespace, s.canonical, s.description,
                           CASE WHEN ? THEN (SELECT string_agg(ps.canonical, ' ' ORDER BY ps.canonical)
                                             FROM scope_parent p JOIN qualified_scope ps ON ps.id = p.parent_id
                                             WHERE p.scope_id = s.id) END AS parents
                    FROM qualified_scope s
                    WHERE s.namespace = coalesce(?, s.namespace)
                    ORDER BY s.namespace, s.name <> ?, s.name""", parents, only, Rules.DEFAULT_SCOPE)) {
                Namespace.Builder namespace = namespaces.get(Sql.string(row, "namespace"));
                if (namespace != null) {
                    namespace.addScopes(Scope.newBuilder()
                            .setName(Sql.string(row, "canonical"))
                            .setDescription(Sql.string(row, "description"))
                            .addAllParents(Scopes.split(Sql.string(row, "parents"))));
                }
            }
        }
        return namespaces.values().stream().map(Namespace.Builder::build).toList();
    }

    private static long lockNamespace(DbExecute tx, String name) {
        return Sql.row(tx, "SELECT id FROM namespace WHERE name = ? FOR UPDATE", name)
                .map(row -> Sql.number(row, "id"))
                .orElseThrow(() -> namespaceNotFound("name", name));
    }

    static RuntimeException namespaceNotFound(String argument, String name) {
        return Failures.notFound(argument, argument + " '" + name + "' is not an existing namespace: check the name "
                + "(get_namespaces lists them) or create it with create_namespace.");
    }

    private static void requireNotGlobal(String name, String change) {
        if (Rules.GLOBAL_NAMESPACE.equals(name)) {
            throw Failures.failedPrecondition(Reason.PROTECTED, "name", "The namespace '" + Rules.GLOBAL_NAMESPACE
                    + "' is protected and cannot be " + change + "; create a namespace of your own instead.");
        }
    }
}
