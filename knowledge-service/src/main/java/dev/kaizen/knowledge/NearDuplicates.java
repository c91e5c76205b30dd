package dev.kaizen.knowledge;

import java.util.List;

import dev.kaizen.api.v1.SimilarEntry;
import io.helidon.dbclient.DbExecute;

/**
 * The entries that say nearly the same thing as a new one: in its scope and the ancestors the caller
 * may read, neither suppressed nor expired, whose content shares at least {@code write.similarity_threshold} of its
 * words (the Jaccard index of the words search indexes: stemmed, without stop words), closest first,
 * at most {@code write.similar_limit} of them. One statement; the design is in migration V006.
 */
final class NearDuplicates {
    /** At most this many candidates are compared (entries holding one of the probe's words). */
    private static final int CANDIDATES_MAX = 1000;
    /** Rows read beyond the limit, so that ancestors the caller may not read can be left out. */
    private static final int READ_MAX = 50;

    private static final String SIMILAR = """
            WITH RECURSIVE
            %1$s,
            setting AS (
                SELECT max(value::float8) FILTER (WHERE key = 'write.similarity_threshold') AS threshold,
                       max(value::integer) FILTER (WHERE key = 'write.similar_limit') AS max_similar
                FROM config WHERE key LIKE 'write.%%'),
            new AS (SELECT knowledge_content_words(knowledge_search_vector('', ?)) AS words),
            -- An entry sharing t of the n words (Jaccard index t or more) holds at least one of any
            -- n - ceil(t n) + 1 of them: the probe is the rarest ones, so no near-duplicate is missed and
            -- few others are read. It is an uncorrelated subquery, so its value reaches the text index as
            -- a parameter. And a Jaccard index of t needs word counts within a factor t of each other.
            candidate AS (
                SELECT k.id, k.scope_id, knowledge_content_words(k.search_vector) AS words
                FROM knowledge k
                WHERE k.search_vector @@ (SELECT knowledge_any_word(array_agg(r.word))
                                          FROM (SELECT n.word FROM new, unnest(new.words) AS n (word)
                                                LEFT JOIN search_term_stat t ON t.lexeme = n.word
                                                ORDER BY coalesce(t.df, 0), n.word
                                                LIMIT (SELECT cardinality(n.words) - ceil(s.threshold * cardinality(n.words))::integer + 1
                                                       FROM setting s, new n)) AS r)
                  AND NOT k.suppressed AND knowledge_expired(k.valid_until) IS NOT TRUE
                  AND k.scope_id IN (SELECT id FROM ancestor)
                  AND k.len_content BETWEEN (SELECT ceil(s.threshold * cardinality(n.words)) FROM setting s, new n)
                                        AND (SELECT floor(cardinality(n.words) / s.threshold) FROM setting s, new n)
                  AND (SELECT max_similar FROM setting) > 0
                LIMIT %2$d)
            SELECT c.id, q.canonical AS scope, q.namespace, s.similarity, setting.max_similar
            FROM candidate c CROSS JOIN new CROSS JOIN setting
            CROSS JOIN LATERAL (SELECT knowledge_word_similarity(new.words, c.words) AS similarity) s
            JOIN qualified_scope q ON q.id = c.scope_id
            WHERE s.similarity >= setting.threshold
            ORDER BY s.similarity DESC, c.id
            LIMIT %3$d""".formatted(Scopes.ANCESTOR, CANDIDATES_MAX, READ_MAX);

    private NearDuplicates() {
    }

    /** The near-duplicates of {@code content} for a write into {@code scope}, closest first. */
    static List<SimilarEntry> of(DbExecute db, ScopeName scope, String content) {
        var rows = Sql.rows(db, SIMILAR, scope.namespace(), scope.name(), content);
        if (rows.isEmpty()) {
            return List.of();
        }
        long limit = Sql.number(rows.getFirst(), "max_similar");
        return rows.stream()
                .filter(row -> Access.mayRead(Sql.string(row, "namespace")))
                .limit(limit)
                .map(row -> SimilarEntry.newBuilder()
                        .setId(Sql.number(row, "id"))
                        .setScope(Sql.string(row, "scope"))
                        .setSimilarity(((Number) Sql.value(row, "similarity")).doubleValue())
                        .build())
                .toList();
    }
}
