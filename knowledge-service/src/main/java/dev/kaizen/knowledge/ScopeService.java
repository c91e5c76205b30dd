package dev.kaizen.knowledge;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import dev.kaizen.api.ErrorDetails.Reason;
import dev.kaizen.api.Rules;
import dev.kaizen.api.v1.CreateScopeRequest;
import dev.kaizen.api.v1.CreateScopeResponse;
import dev.kaizen.api.v1.DeleteScopeRequest;
import dev.kaizen.api.v1.DeleteScopeResponse;
import dev.kaizen.api.v1.GetScopeRequest;
import dev.kaizen.api.v1.GetScopeResponse;
import dev.kaizen.api.v1.ScopeServiceGrpc;
import dev.kaizen.api.v1.UpdateScopeRequest;
import dev.kaizen.api.v1.UpdateScopeResponse;
import dev.kaizen.identity.Grant;
import io.grpc.BindableService;
import io.grpc.ServerServiceDefinition;
import io.helidon.dbclient.DbExecute;

/**
 * kaizen.v1.ScopeService: scopes and their parents. Every parent change takes one transaction-level
 * advisory lock before it checks for cycles, so two concurrent changes can never together close a
 * cycle; creating a scope cannot close one (nothing inherits from a new scope yet).
 */
final class ScopeService implements BindableService {
    /** Arbitrary constant: the lock that serialises changes of the inheritance graph. */
    private static final long PARENT_GRAPH_LOCK = 0x6b61697a656e02L;

    private final Database database;

    ScopeService(Database database) {
        this.database = database;
    }

    @Override
    public ServerServiceDefinition bindService() {
        return Rpc.service(ScopeServiceGrpc.getServiceDescriptor())
                .unary(ScopeServiceGrpc.getGetScopeMethod(), this::getScope)
                .unary(ScopeServiceGrpc.getCreateScopeMethod(), this::createScope)
                .unary(ScopeServiceGrpc.getUpdateScopeMethod(), this::updateScope)
                .unary(ScopeServiceGrpc.getDeleteScopeMethod(), this::deleteScope)
                .build();
    }

    private GetScopeResponse getScope(GetScopeRequest request) {
        ScopeName scope = ScopeName.parse("scope", request.getScope());
        Access.require(Grant.READ, scope.namespace(), "read");
        return database.inTransaction(db -> {
            long id = Scopes.id(db, "scope", scope);
            long entries = Sql.row(db, "SELECT count(*) AS entries FROM knowledge WHERE scope_id = ?", id)
                    .map(row -> Sql.number(row, "entries")).orElse(0L);
            return GetScopeResponse.newBuilder().setScope(Scopes.describe(db, id).toBuilder().setEntries(entries)).build();
        });
    }

    private CreateScopeResponse createScope(CreateScopeRequest request) {
        ScopeName scope = ScopeName.parse("scope", request.getScope());
        String description = Rules.description("description", request.getDescription());
        Access.require(Grant.ADMIN, scope.namespace(), "create scopes in");
        Set<ScopeName> parents = parents(scope, request.getParentsList());
        return database.inTransaction(tx -> {
            long namespaceId = Sql.row(tx, "SELECT id FROM namespace WHERE name = ?", scope.namespace())
                    .map(row -> Sql.number(row, "id"))
                    .orElseThrow(() -> NamespaceService.namespaceNotFound("The namespace of scope", scope.namespace()));
            long id = Sql.row(tx, """
                            INSERT INTO scope (namespace_id, name, description) VALUES (?, ?, ?)
                            ON CONFLICT (namespace_id, name) DO NOTHING
                            RETURNING id""", namespaceId, scope.name(), description)
                    .map(row -> Sql.number(row, "id"))
                    .orElseThrow(() -> Failures.alreadyExists("scope", "scope '" + scope + "' already exists: choose another "
                            + "name, or change the existing scope with update_scope."));
            linkParents(tx, id, parents);
            Audit.record(tx, "scope.create", scope.namespace(), scope.toString(), "parents: " + parents);
            return CreateScopeResponse.newBuilder().setScope(Scopes.describe(tx, id)).build();
        });
    }

    private UpdateScopeResponse updateScope(UpdateScopeRequest request) {
        ScopeName scope = ScopeName.parse("scope", request.getScope());
        ScopeName newScope = request.hasNewScope() ? ScopeName.parse("new_scope", request.getNewScope()) : null;
        String description = request.hasDescription() ? Rules.description("description", request.getDescription()) : null;
        Access.require(Grant.ADMIN, scope.namespace(), "change scopes of");
        Set<ScopeName> parents = request.hasParents() ? parents(scope, request.getParents().getScopesList()) : null;
        if (newScope == null && description == null && parents == null) {
            throw Failures.invalidArgument(null, "Nothing to change: give new_scope, description, parents or several of them.");
        }
        if (newScope != null && !newScope.namespace().equals(scope.namespace())) {
            throw Failures.invalidArgument("new_scope", "new_scope '" + newScope + "' leaves namespace '" + scope.namespace()
                    + "': a scope keeps its namespace, so name it '" + scope.namespace() + ":<new-name>'.");
        }
        if (scope.equals(ScopeName.GLOBAL_DEFAULT)) {
            throw Failures.failedPrecondition(Reason.PROTECTED, "scope", "Scope '" + scope + "' is protected: it cannot be renamed, re-described "
                    + "or given parents.");
        }
        if (scope.isDefault() && ((newScope != null && !newScope.equals(scope)) || parents != null)) {
            throw Failures.failedPrecondition(Reason.PROTECTED, "scope", "Scope '" + scope + "' is a default scope: it cannot be renamed or given "
                    + "other parents; create a scope of your own for that.");
        }
        if (newScope != null && newScope.isDefault() && !scope.isDefault()) {
            throw Failures.alreadyExists("new_scope", "new_scope '" + newScope + "' already exists: every namespace has its "
                    + "default scope; choose another name.");
        }
        return database.inTransaction(tx -> {
            if (parents != null) {
                Sql.row(tx, "SELECT pg_advisory_xact_lock(?)", PARENT_GRAPH_LOCK);
            }
            long id = Scopes.id(tx, "scope", scope);
            Sql.row(tx, "SELECT id FROM scope WHERE id = ? FOR UPDATE", id);
            if (parents != null) {
                Sql.update(tx, "DELETE FROM scope_parent WHERE scope_id = ?", id);
                linkParents(tx, id, parents);
            }
            if (description != null) {
                Sql.update(tx, "UPDATE scope SET description = ? WHERE id = ?", description, id);
            }
            if (newScope != null && !newScope.equals(scope)) {
                if (Sql.row(tx, "SELECT 1 FROM qualified_scope WHERE namespace = ? AND name = ?",
                        newScope.namespace(), newScope.name()).isPresent()) {
                    throw Failures.alreadyExists("new_scope", "new_scope '" + newScope + "' already exists: choose another name.");
                }
                Sql.update(tx, "UPDATE scope SET name = ? WHERE id = ?", newScope.name(), id);
            }
            List<String> changes = new java.util.ArrayList<>();
            if (newScope != null && !newScope.equals(scope)) {
                changes.add("renamed to " + newScope);
            }
            if (description != null) {
                changes.add("description: " + description);
            }
            if (parents != null) {
                changes.add("parents: " + parents);
            }
            Audit.record(tx, "scope.update", scope.namespace(), scope.toString(), String.join("; ", changes));
            return UpdateScopeResponse.newBuilder().setScope(Scopes.describe(tx, id)).build();
        });
    }

    private DeleteScopeResponse deleteScope(DeleteScopeRequest request) {
        ScopeName scope = ScopeName.parse("scope", request.getScope());
        Access.require(Grant.ADMIN, scope.namespace(), "delete scopes of");
        if (scope.isDefault()) {
            throw Failures.failedPrecondition(Reason.PROTECTED, "scope", "Scope '" + scope + "' is a default scope and cannot be deleted; "
                    + (scope.equals(ScopeName.GLOBAL_DEFAULT) ? "it is where shared knowledge lives."
                    : "delete namespace '" + scope.namespace() + "' to remove it."));
        }
        return database.inTransaction(tx -> {
            long id = Scopes.id(tx, "scope", scope);
            Sql.row(tx, "SELECT id FROM scope WHERE id = ? FOR UPDATE", id);
            KnowledgeHistory.record(tx, KnowledgeHistory.DELETE_SCOPE, "k.scope_id = ?", id);
            long knowledge = Sql.update(tx, "DELETE FROM knowledge WHERE scope_id = ?", id);
            Sql.update(tx, "DELETE FROM scope WHERE id = ?", id);
            Audit.record(tx, "scope.delete", scope.namespace(), scope.toString(), knowledge + " entries deleted");
            return DeleteScopeResponse.newBuilder().setScope(scope.toString()).setKnowledgeDeleted(knowledge).build();
        });
    }

    /**
     * The parents a scope gets: those asked for, without repeats, plus its namespace's default. The
     * caller must be able to read each parent's namespace: inheriting from a scope reads it.
     */
    private static Set<ScopeName> parents(ScopeName scope, List<String> requested) {
        Rules.parentCount("parents", requested.size());
        Set<ScopeName> parents = new LinkedHashSet<>();
        parents.add(ScopeName.defaultOf(scope.namespace()));
        for (int i = 0; i < requested.size(); i++) {
            ScopeName parent = ScopeName.parse("parents[" + i + "]", requested.get(i));
            if (parent.equals(scope)) {
                throw Failures.failedPrecondition(Reason.CYCLE, "parents[" + i + "]", "parents[" + i + "] is '" + scope + "' itself: a scope cannot be "
                        + "its own parent; remove it from parents.");
            }
            Access.require(Grant.READ, parent.namespace(), "inherit from");
            parents.add(parent);
        }
        return parents;
    }

    /**
     * Links {@code scopeId} to each parent, refusing a parent that already inherits from the scope
     * (the link would close a cycle). The caller holds the parent-graph lock when the scope may have
     * children.
     */
    private static void linkParents(DbExecute tx, long scopeId, Set<ScopeName> parents) {
        int index = 0;
        for (ScopeName parent : parents) {
            long parentId = Scopes.id(tx, index == 0 ? "The default scope" : "parent", parent);
            boolean closesCycle = Sql.row(tx, """
                    WITH RECURSIVE ancestor (id) AS (
                        SELECT ?::bigint
                        UNION
                        SELECT p.parent_id FROM ancestor a JOIN scope_parent p ON p.scope_id = a.id)
                    SELECT 1 FROM ancestor WHERE id = ?""", parentId, scopeId).isPresent();
            if (closesCycle) {
                throw Failures.failedPrecondition(Reason.CYCLE, "parents", "parent '" + parent + "' already inherits from this scope, so "
                        + "making it a parent would create a cycle; remove it from parents.");
            }
            Sql.update(tx, "INSERT INTO scope_parent (scope_id, parent_id) VALUES (?, ?)", scopeId, parentId);
            index++;
        }
    }
}
