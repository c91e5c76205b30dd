package dev.kaizen.knowledge;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.kaizen.api.v1.Scope;
import io.helidon.dbclient.DbExecute;

/** Look-ups of scopes by canonical name, shared by the services that take scope names. */
final class Scopes {
    /** Deeper inheritance than this is not followed; it guards against pathological graphs. */
    static final int MAX_DEPTH = 100;

    /**
     * The scope named by the two parameters (namespace, name) and its ancestors, each with its
     * distance (a scope reached along several paths comes once per path): the first query of a
     * {@code WITH RECURSIVE}, named {@code ancestor (id, depth)}.
     */
    static final String ANCESTOR = """
            ancestor (id, depth) AS (
                SELECT id, 0 FROM qualified_scope WHERE namespace = ? AND name = ?
                UNION
                SELECT p.parent_id, a.depth + 1 FROM ancestor a JOIN scope_parent p ON p.scope_id = a.id
                WHERE a.depth < %d)""".formatted(MAX_DEPTH);

    private Scopes() {
    }

    /** The id of the scope, or NOT_FOUND naming the argument that gave it. */
    static long id(DbExecute db, String argument, ScopeName scope) {
        return Sql.row(db, "SELECT id FROM qualified_scope WHERE namespace = ? AND name = ?",
                        scope.namespace(), scope.name())
                .map(row -> Sql.number(row, "id"))
                .orElseThrow(() -> notFound(argument, scope));
    }

    static RuntimeException notFound(String argument, ScopeName scope) {
        return Failures.notFound(argument, argument + " '" + scope + "' does not exist: check the name "
                + "(get_namespaces lists scopes) or create the scope first.");
    }

    /** The scope with its description and direct parents, in name order. */
    static Scope describe(DbExecute db, long scopeId) {
        return Sql.row(db, """
                        SELECT s.canonical, s.description,
                               (SELECT string_agg(ps.canonical, ' ' ORDER BY ps.canonical)
                                FROM scope_parent p JOIN qualified_scope ps ON ps.id = p.parent_id
                                WHERE p.scope_id = s.id) AS parents
                        FROM qualified_scope s
                        WHERE s.id = ?""", scopeId)
                .map(row -> Scope.newBuilder()
                        .setName(Sql.string(row, "canonical"))
                        .setDescription(Sql.string(row, "description"))
                        .addAllParents(split(Sql.string(row, "parents")))
                        .build())
                .orElseThrow(() -> Failures.notFound(null, "The scope was deleted meanwhile; check the name and retry."));
    }

    static List<String> split(String names) {
        return names == null || names.isEmpty() ? List.of() : new ArrayList<>(Arrays.asList(names.split(" ")));
    }
}
