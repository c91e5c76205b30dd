package dev.kaizen.knowledge;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import dev.kaizen.api.Rules;
import dev.kaizen.api.v1.GetTaskContextResponse;
import dev.kaizen.api.v1.ScopeContext;
import dev.kaizen.api.v1.TaskContextEntry;
import io.helidon.dbclient.DbExecute;
import io.helidon.dbclient.DbRow;

/**
 * The task-context search: the union of several full-text queries over a scope's ancestors, ranked
 * by ts_rank, grouped by scope. One statement: it reads the search settings, walks the ancestors,
 * ORs the queries into one tsquery so the GIN index is scanned once, ranks each match once by its
 * best query, keeps the best {@code search.max_results} above the threshold, and only then reads
 * their content.
 */
final class TaskContextSearch {
    /** Deeper inheritance than this is not followed; it guards against pathological graphs. */
    private static final int MAX_DEPTH = 100;

    /**
     * One ts_rank per query, written out for the most queries a search may have: GREATEST over
     * them is the entry's best score, computed once per matching row (a missing query is NULL,
     * which ts_rank and GREATEST skip).
     */
    private static final String BEST_RANK = IntStream.rangeClosed(1, Rules.QUERIES_MAX)
            .mapToObj(i -> "ts_rank(s.weights, k.search_vector, query.each_query[" + i + "])")
            .collect(Collectors.joining(",\n                            ", "greatest(", ")"));

    private static final String SEARCH = """
            WITH RECURSIVE
            ancestor (id, depth) AS (
                SELECT ?::bigint, 0
                UNION
                SELECT p.parent_id, a.depth + 1
                FROM ancestor a JOIN scope_parent p ON p.scope_id = a.id
                WHERE a.depth < %d
            ),
            scopes AS (SELECT id, min(depth) AS depth FROM ancestor GROUP BY id),
            settings AS (
                SELECT max(value) FILTER (WHERE key = 'search.language')::regconfig AS language,
                       max(value) FILTER (WHERE key = 'search.relevance_threshold')::real AS threshold,
                       max(value) FILTER (WHERE key = 'search.max_results')::integer AS max_results,
                       ARRAY[0.1, 0.2,
                             max(value) FILTER (WHERE key = 'search.content_weight')::real,
                             max(value) FILTER (WHERE key = 'search.context_weight')::real]::real[] AS weights
                FROM config
            ),
            query AS (
                -- plainto_tsquery: keywords are plain words, never operators ('-word' is not NOT)
                SELECT array_agg(q.tsquery) AS each_query, tsquery_or_all(q.tsquery) AS any_query
                FROM settings s, unnest(?::text[]) AS text,
                     LATERAL plainto_tsquery(s.language, text) AS q (tsquery)
            ),
            ranked AS MATERIALIZED (
                SELECT k.id, k.scope_id, %s AS relevance
                FROM knowledge k, query, settings s
                WHERE k.search_vector @@ query.any_query
                  AND NOT k.suppressed
                  AND k.scope_id = ANY ((SELECT array_agg(id) FROM scopes)::bigint[])
                  AND (?::task_size IS NULL OR k.task_size IS NULL OR k.task_size >= ?::task_size)
            ),
            best AS (
                SELECT r.id, r.scope_id, r.relevance
                FROM ranked r
                WHERE r.relevance >= (SELECT threshold FROM settings)
                ORDER BY r.relevance DESC, r.id
                LIMIT (SELECT max_results FROM settings)
            )
            SELECT b.id, t.content, b.relevance, qs.canonical AS scope, sc.depth
            FROM best b
            JOIN knowledge_text t ON t.knowledge_id = b.id
            JOIN scopes sc ON sc.id = b.scope_id
            JOIN qualified_scope qs ON qs.id = b.scope_id
            ORDER BY b.relevance DESC, b.id
            """.formatted(MAX_DEPTH, BEST_RANK);

    private TaskContextSearch() {
    }

    /**
     * Searches the ancestors of {@code scopeId}. Results are grouped by scope: the scope itself
     * first, then its ancestors nearer first (ties by name), {@code global:default} last; inside a
     * group, best first.
     */
    static GetTaskContextResponse search(DbExecute db, long scopeId, List<String> queries, String taskSize) {
        record Group(String scope, int depth, ScopeContext.Builder results) {
        }
        Map<String, Group> groups = new LinkedHashMap<>();
        for (DbRow row : Sql.rows(db, SEARCH, scopeId, queries.toArray(String[]::new), taskSize, taskSize)) {
            String scope = Sql.string(row, "scope");
            Group group = groups.computeIfAbsent(scope, name -> new Group(name, (int) Sql.number(row, "depth"),
                    ScopeContext.newBuilder().setScope(name)));
            group.results().addEntries(TaskContextEntry.newBuilder()
                    .setId(Sql.number(row, "id"))
                    .setContent(Sql.string(row, "content"))
                    .setRelevance(((Number) row.column("relevance").get()).doubleValue()));
        }
        List<Group> ordered = new ArrayList<>(groups.values());
        ordered.sort(Comparator.comparing((Group group) -> group.scope().equals(ScopeName.GLOBAL_DEFAULT.toString())
                        && group.depth() > 0)
                .thenComparingInt(Group::depth)
                .thenComparing(Group::scope));
        GetTaskContextResponse.Builder response = GetTaskContextResponse.newBuilder();
        ordered.forEach(group -> response.addScopes(group.results()));
        return response.build();
    }
}
