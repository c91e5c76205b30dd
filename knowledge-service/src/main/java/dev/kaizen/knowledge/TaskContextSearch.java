package dev.kaizen.knowledge;

import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import dev.kaizen.api.QueryWords;
import dev.kaizen.api.v1.GetTaskContextResponse;
import dev.kaizen.api.v1.Match;
import dev.kaizen.api.v1.TaskContextEntry;
import io.helidon.dbclient.DbExecute;
import io.helidon.dbclient.DbRow;

/**
 * The task-context search: BM25F-style ranking over a scope's ancestors, in one statement. The
 * design, its settings and the figures behind it are in the README ("How search ranks"); in short:
 * <ul>
 *     <li>Each query's words become lexemes in {@code search.language} (quoted by the SQL, so a
 *     word is never an operator; stop words drop out, and a query of stop words only is empty);
 *     question filler ("please", "tell") counts only when nothing else is left, and at most the
 *     {@value #QUERY_WORDS_MAX} rarest words of a query are searched.</li>
 *     <li>A word scores idf x tf / (tf + k1); tf adds the context (label A), the content's first
 *     sentence, its "lead" (label C), and the rest of the content (label B), each weighted by its
 *     setting and normalised by the entry's length in that field. The idf comes from a statistics
 *     snapshot that {@link SearchStatistics} refreshes in the background, never per write.</li>
 *     <li>Relevance is 0 to 1: an entry holding every word of a query scores 0.5 or more, a partial
 *     match below 0.5; an entry keeps its best score over the queries; those under
 *     {@code search.relevance_threshold} are dropped, at most {@code search.max_results} kept, best
 *     first, and among equal relevance the nearer scope first.</li>
 *     <li>Entries past their valid_until are left out, like suppressed ones: from every tier of
 *     candidates, and from the entries found by meaning.</li>
 *     <li>Candidates come in tiers, each a GIN scan that stops at {@code search.candidate_limit}
 *     rows, the next tier read only while fewer than max_results entries were found: every word of
 *     a query in context or lead; every word anywhere; then partial matches, through the words that
 *     can reach the threshold on their own (so very common words are ranked only within what rarer
 *     words select). The cost follows the answer, not the number of matches.</li>
 * </ul>
 */
final class TaskContextSearch {
    /**
     * Most words a query is searched for: its rarest ones. A question of 500 characters has about 80
     * words; its rarest dozen say what it is about, and they bound the cost of the partial-match tiers.
     */
    static final int QUERY_WORDS_MAX = 12;
    /**
     * How much a query's similarity by meaning counts next to its relevance by words (times
     * search.semantic_weight): little when some entry holds every word of the query, since the words
     * are then good evidence, and more when none does (the words differ, or the query is a
     * question). Chosen on half of each shared workload's queries and checked on the other half
     * (README, "Semantic recall").
     */
    static final double MEANING_WEIGHT_WITH_FULL_MATCH = 0.25;
    static final double MEANING_WEIGHT_WITHOUT_FULL_MATCH = 2.0;

    private static final String SEARCH = """
            WITH
            -- the searched scope and the ancestors the caller may read, with their distance
            scopes AS (SELECT * FROM unnest(?::bigint[], ?::int[]) AS s (id, depth)),
            settings AS MATERIALIZED (
                SELECT max(value) FILTER (WHERE key = 'search.language')::regconfig AS language,
                       max(value) FILTER (WHERE key = 'search.relevance_threshold')::float8 AS threshold,
                       max(value) FILTER (WHERE key = 'search.max_results')::integer AS max_results,
                       max(value) FILTER (WHERE key = 'search.context_weight')::float8 AS w_context,
                       max(value) FILTER (WHERE key = 'search.lead_weight')::float8 AS w_lead,
                       max(value) FILTER (WHERE key = 'search.content_weight')::float8 AS w_content,
                       max(value) FILTER (WHERE key = 'search.bm25_k1')::float8 AS k1,
                       max(value) FILTER (WHERE key = 'search.bm25_b')::float8 AS b,
                       max(value) FILTER (WHERE key = 'search.candidate_limit')::integer AS cap,
                       coalesce(max(value) FILTER (WHERE key = 'search.semantic_weight')::float8, 0) AS w_semantic
                FROM config),
            corpus AS MATERIALIZED (
                SELECT coalesce(max(entries), 0) AS entries, coalesce(max(avg_context), 1) AS avg_context,
                       coalesce(max(avg_lead), 1) AS avg_lead, coalesce(max(avg_content), 1) AS avg_content
                FROM search_corpus_stat),
            -- question filler as lexemes of the search language
            filler AS MATERIALIZED (
                SELECT coalesce(array_agg(l.lexeme), '{}') AS lexemes
                FROM settings s, unnest(to_tsvector(s.language, ?)) AS l),
            -- each query's words: lexemes in the search language (each one quoted, never an operator), split
            -- where the index splits them; filler counts only in a query with no other word
            query_words AS (
                SELECT q.i AS query_no, l.lexeme, l.lexeme = ANY (f.lexemes) AS is_filler
                FROM settings s, filler f, unnest(?::text[]) WITH ORDINALITY AS q (text, i),
                     unnest(to_tsvector(s.language, knowledge_words(q.text))) AS l),
            content_words AS (
                SELECT w.query_no, w.lexeme, ln(1 + (c.entries - d.df + 0.5) / (d.df + 0.5)) AS idf,
                       row_number() OVER (PARTITION BY w.query_no ORDER BY d.df, w.lexeme) AS rarity
                FROM corpus c, query_words w
                     LEFT JOIN search_term_stat st ON st.lexeme = w.lexeme,
                     LATERAL (SELECT least(coalesce(st.df, 0), c.entries) AS df) d
                WHERE NOT w.is_filler OR NOT EXISTS (SELECT FROM query_words o WHERE o.query_no = w.query_no AND NOT o.is_filler)),
            -- one row per (query, lexeme) for its rarest %5$d words, with the lexeme's idf and share of its query's idf
            terms AS MATERIALIZED (
                SELECT t.*, t.idf / sum(t.idf) OVER w AS share, count(*) OVER w AS n_terms, sum(t.idf) OVER w AS idf_sum,
                       (quote_literal(t.lexeme) || ':A')::tsquery AS tsq_a, (quote_literal(t.lexeme) || ':C')::tsquery AS tsq_c
                FROM (SELECT cw.query_no, cw.lexeme, quote_literal(cw.lexeme)::tsquery AS tsq, cw.idf
                      FROM content_words cw WHERE cw.rarity <= %5$d) t
                WINDOW w AS (PARTITION BY t.query_no)),
            -- partial matches worth reading: a word whose share can reach the threshold alone, or two words of 3+
            pairs AS (
                SELECT a.query_no, tsquery_or_all(a.tsq && b.tsq) AS word_pairs
                FROM terms a JOIN terms b ON a.query_no = b.query_no AND a.lexeme < b.lexeme, settings s
                WHERE a.n_terms > 2 AND 0.5 * (a.share + b.share) >= s.threshold
                GROUP BY a.query_no),
            per_query AS MATERIALIZED (
                SELECT t.query_no, max(t.n_terms) AS n_terms, max(t.idf_sum) AS idf_sum,
                       tsquery_and_all(t.tsq) AS all_words,
                       tsquery_or_all(t.tsq) FILTER (WHERE t.n_terms > 1 AND 0.5 * t.share >= s.threshold) AS single_words,
                       (array_agg(p.word_pairs))[1] AS word_pairs
                FROM terms t CROSS JOIN settings s LEFT JOIN pairs p ON p.query_no = t.query_no
                GROUP BY t.query_no),
            query AS MATERIALIZED (
                SELECT (SELECT array_agg(all_words) FROM per_query) AS full_q,
                       (SELECT array_agg(coalesce(single_words || word_pairs, single_words, word_pairs)) FROM per_query
                        WHERE single_words IS NOT NULL OR word_pairs IS NOT NULL) AS part_q,
                       (SELECT array_agg(id) FROM scopes) AS scope_ids,
                       -- broad: the ancestors hold a quarter of the entries or more (snapshot)
                       coalesce((SELECT sum(ss.entries) FROM search_scope_stat ss JOIN scopes USING (id))
                                >= 0.25 * (SELECT entries FROM corpus), false) AS broad,
                       ?::task_size AS task_size),
            %1$s
            %2$s
            full_count AS MATERIALIZED (SELECT greatest((SELECT count(*) FROM t1), (SELECT count(*) FROM t2)) AS n),
            %3$s
            %4$s
            -- per (candidate, word): in context? in lead? content tf (ts_rank of one word on B, 1 for one occurrence)
            feat AS MATERIALIZED (
                SELECT k.id, k.scope_id, t.query_no, t.idf, k.search_vector @@ t.tsq_a AS in_context,
                       k.search_vector @@ t.tsq_c AS in_lead,
                       ts_rank('{0,0,1,0}', k.search_vector, t.tsq) / 0.6079271 AS content_tf,
                       k.len_context, k.len_lead, k.len_content
                FROM knowledge k JOIN terms t ON k.search_vector @@ t.tsq
                WHERE k.id IN (SELECT id FROM t1 UNION SELECT id FROM t2 UNION SELECT id FROM t3 UNION SELECT id FROM t4)),
            weighted AS (
                SELECT f.id, f.scope_id, f.query_no, f.idf, f.in_context, f.in_lead,
                       s.w_context * f.in_context::int / (1 - s.b + s.b * f.len_context / c.avg_context)
                     + s.w_lead * f.in_lead::int / (1 - s.b + s.b * f.len_lead / c.avg_lead)
                     + s.w_content * f.content_tf / (1 - s.b + s.b * f.len_content / c.avg_content) AS tf
                FROM feat f, settings s, corpus c),
            entry_query AS (
                SELECT f.id, f.scope_id, f.query_no, count(*) AS n, sum(f.idf * f.tf / (f.tf + s.k1)) AS bm25,
                       count(*) FILTER (WHERE f.in_lead) AS n_lead, count(*) FILTER (WHERE f.in_context) AS n_context
                FROM weighted f, settings s
                GROUP BY f.id, f.scope_id, f.query_no),
            -- by words: 0.5 x [every word] + 0.5 x (BM25F + a bonus when all words are in the lead or all in the
            -- context) / its most, over the query's idf
            by_words AS (
                SELECT e.id, e.query_no,
                       0.5 * (e.n = pq.n_terms)::int + 0.5 * (e.bm25 + 0.2 * pq.idf_sum
                           * (e.n_lead = pq.n_terms OR e.n_context = pq.n_terms)::int) / (1.2 * pq.idf_sum) AS relevance
                FROM entry_query e JOIN per_query pq ON pq.query_no = e.query_no),
            -- by meaning: the query's nearest entries in the vector index, similarity 0-1 (empty when off)
            by_meaning AS (
                SELECT m.query_no, m.id, m.similarity
                FROM unnest(?::int[], ?::bigint[], ?::float8[]) AS m (query_no, id, similarity)),
            -- how much meaning counts for each query: little where some entry holds every word of it (the
            -- words are then good evidence), more where none does (other words, or a question); and the
            -- similarity of an entry beyond the query's nearest (at most the last one's, when the index
            -- answered all it was asked for; else they are under the model's floor)
            meaning_weight AS (
                SELECT m.query_no, s.w_semantic * CASE WHEN EXISTS (
                           SELECT FROM by_words w WHERE w.query_no = m.query_no AND w.relevance >= 0.5)
                       THEN %6$s ELSE %7$s END AS weight,
                       CASE WHEN count(*) >= s.max_results THEN min(m.similarity) ELSE 0 END AS beyond
                FROM by_meaning m, settings s
                GROUP BY m.query_no, s.w_semantic, s.max_results),
            -- both, per entry and query: (words + weight x meaning) / (1 + weight); with no meaning, the words alone
            fused AS (
                SELECT coalesce(w.id, m.id) AS id,
                       (coalesce(w.relevance, 0) + coalesce(mw.weight * coalesce(m.similarity, mw.beyond), 0))
                           / (1 + coalesce(mw.weight, 0)) AS relevance,
                       w.relevance AS by_words, m.similarity AS by_meaning
                FROM by_words w
                FULL JOIN by_meaning m ON m.id = w.id AND m.query_no = w.query_no
                LEFT JOIN meaning_weight mw ON mw.query_no = coalesce(w.query_no, m.query_no)),
            -- an entry keeps its best query; entries found by meaning alone pass the same filters as the rest
            ranked AS MATERIALIZED (
                SELECT f.id, k.scope_id, max(f.relevance) AS relevance,
                       coalesce(max(f.by_words), 0) AS by_words, coalesce(max(f.by_meaning), 0) AS by_meaning
                FROM fused f JOIN knowledge k ON k.id = f.id, query q
                WHERE NOT k.suppressed AND knowledge_expired(k.valid_until) IS NOT TRUE AND k.scope_id = ANY (q.scope_ids)
                  AND (q.task_size IS NULL OR k.task_size IS NULL OR k.task_size >= q.task_size)
                GROUP BY f.id, k.scope_id),
            -- found by words or by meaning at the threshold or above, best first
            best AS (
                SELECT r.id, r.scope_id, r.relevance, r.by_words > 0 AS by_words, r.by_meaning > 0 AS by_meaning, sc.depth
                FROM ranked r JOIN scopes sc ON sc.id = r.scope_id, settings s
                WHERE r.by_words >= s.threshold OR r.by_meaning >= s.threshold
                ORDER BY r.relevance DESC, sc.depth, r.id
                LIMIT (SELECT max_results FROM settings))
            -- the contents of the first entries the answer needs (from its offset on); the rest as it needs them
            SELECT b.id, b.relevance, b.by_words, b.by_meaning, qs.canonical AS scope, b.depth,
                   CASE WHEN b.position >= ? AND b.position < ?
                        THEN (SELECT t.content FROM knowledge_text t WHERE t.knowledge_id = b.id) END AS content
            FROM (SELECT best.*, row_number() OVER (ORDER BY relevance DESC, depth, id) - 1 AS position FROM best) b
            JOIN qualified_scope qs ON qs.id = b.scope_id
            ORDER BY b.relevance DESC, b.depth, b.id
            """.formatted(
            tier("t1", "ts_filter(k.search_vector, '{a,c}')", "full_q", "true", "(SELECT cap FROM settings)"),
            tier("t2", "k.search_vector", "full_q", "(SELECT count(*) FROM t1) < (SELECT max_results FROM settings)",
                    "(SELECT cap FROM settings)"),
            tier("t3", "ts_filter(k.search_vector, '{a,c}')", "part_q",
                    "(SELECT n FROM full_count) < (SELECT max_results FROM settings)", "(SELECT cap / 4 FROM settings)"),
            tier("t4", "k.search_vector", "part_q",
                    "(SELECT n FROM full_count) + (SELECT count(*) FROM t3) < (SELECT max_results FROM settings)",
                    "(SELECT cap / 4 FROM settings)"), QUERY_WORDS_MAX, MEANING_WEIGHT_WITH_FULL_MATCH,
            MEANING_WEIGHT_WITHOUT_FULL_MATCH);

    private TaskContextSearch() {
    }

    /**
     * One tier of candidates: entries in the ancestors whose {@code vector} matches one of the
     * {@code queries}, from a GIN scan that stops after {@code limit} rows, read only while
     * {@code needed} holds. Written twice, and the statement runs one of them: when the ancestors
     * hold a large share of all entries ("broad"), the scope is checked on the rows the text index
     * returns ({@code IS TRUE} keeps the planner from combining it with the scope index); otherwise
     * the text index is combined with the scope_id index, so rows outside the ancestors are never read.
     * {@code vector} must be written as the GIN index's expression is.
     */
    private static String tier(String name, String vector, String queries, String needed, String limit) {
        return """
                %1$s AS MATERIALIZED (
                    (SELECT k.id FROM query q, knowledge k
                     WHERE q.broad AND %4$s AND %2$s @@ ANY (q.%3$s) AND NOT k.suppressed
                       AND knowledge_expired(k.valid_until) IS NOT TRUE
                       AND (k.scope_id = ANY (q.scope_ids)) IS TRUE
                       AND (q.task_size IS NULL OR k.task_size IS NULL OR k.task_size >= q.task_size)
                     LIMIT %5$s)
                    UNION ALL
                    (SELECT k.id FROM query q, knowledge k
                     WHERE NOT q.broad AND %4$s AND %2$s @@ ANY (q.%3$s) AND NOT k.suppressed
                       AND knowledge_expired(k.valid_until) IS NOT TRUE
                       AND k.scope_id = ANY (q.scope_ids)
                       AND (q.task_size IS NULL OR k.task_size IS NULL OR k.task_size >= q.task_size)
                     LIMIT %5$s)),""".formatted(name, vector, queries, needed, limit);
    }

    /**
     * The scope and its ancestors, each with its distance, namespace and the children through which
     * the search reaches it.
     */
    private static final String ANCESTORS = """
            WITH RECURSIVE
            %s,
            scopes AS (SELECT id, min(depth) AS depth FROM ancestor GROUP BY id)
            SELECT s.id, s.depth, q.canonical, q.namespace,
                   (SELECT string_agg(p.scope_id::text, ' ') FROM scope_parent p
                    WHERE p.parent_id = s.id AND p.scope_id IN (SELECT id FROM scopes)) AS children,
                   (SELECT coalesce(max(value::float8), 0) FROM config WHERE key = 'search.semantic_weight') AS semantic_weight,
                   (SELECT max(value::integer) FROM config WHERE key = 'search.max_results') AS max_results
            FROM scopes s JOIN qualified_scope q ON q.id = s.id
            ORDER BY s.depth, q.canonical""".formatted(Scopes.ANCESTOR);

    private record Ancestor(long id, int depth, String canonical, boolean readable, List<Long> children) {
    }

    /**
     * Searches {@code scope} and its ancestors that {@code mayRead} allows (by namespace): one list,
     * best first, of which {@code page} answers its part (the contents it needs are read then, and
     * only those). The ancestors left out are named in omitted_scopes when the caller can see them,
     * as parents of a scope it reads; those further up are left out unnamed. With {@code semantic}
     * (null: off), each query's nearest entries by meaning join the ranking.
     */
    static GetTaskContextResponse search(DbExecute db, ScopeName scope, List<String> queries, String taskSize,
                                         TaskContextPage page, Predicate<String> mayRead, SemanticRecall semantic) {
        List<DbRow> rows = Sql.rows(db, ANCESTORS, scope.namespace(), scope.name());
        if (rows.isEmpty()) {
            throw Scopes.notFound("scope", scope);
        }
        List<Ancestor> ancestors = rows.stream()
                .map(row -> new Ancestor(Sql.number(row, "id"), (int) Sql.number(row, "depth"), Sql.string(row, "canonical"),
                        mayRead.test(Sql.string(row, "namespace")), Scopes.split(Sql.string(row, "children")).stream()
                        .map(Long::valueOf).toList()))
                .toList();
        Set<Long> readable = ancestors.stream().filter(Ancestor::readable).map(Ancestor::id).collect(Collectors.toSet());
        GetTaskContextResponse.Builder response = GetTaskContextResponse.newBuilder();
        ancestors.stream()
                .filter(ancestor -> !ancestor.readable() && ancestor.children().stream().anyMatch(readable::contains))
                .forEach(ancestor -> response.addOmittedScopes(ancestor.canonical()));
        List<Ancestor> searched = ancestors.stream().filter(Ancestor::readable).toList();
        Meaning meaning = semantic == null || rows.isEmpty() || ((Number) Sql.value(rows.getFirst(), "semantic_weight"))
                .doubleValue() <= 0 ? Meaning.NONE : Meaning.of(semantic.neighbours(queries,
                searched.stream().mapToLong(Ancestor::id).toArray(), (int) Sql.number(rows.getFirst(), "max_results")));
        List<TaskContextEntry> ranked = new java.util.ArrayList<>();
        java.util.Map<Long, String> read = new java.util.HashMap<>();
        for (DbRow row : Sql.rows(db, SEARCH, searched.stream().map(Ancestor::id).toArray(Long[]::new),
                searched.stream().map(Ancestor::depth).toArray(Integer[]::new), QueryWords.QUESTION_FILLER,
                queries.toArray(String[]::new), taskSize, meaning.queries(), meaning.ids(), meaning.similarities(),
                page.firstRead(), page.firstRead() + page.firstBatch())) {
            if (Sql.value(row, "content") != null) {
                read.put(Sql.number(row, "id"), Sql.string(row, "content"));
            }
            boolean byWords = (Boolean) Sql.value(row, "by_words");
            boolean byMeaning = (Boolean) Sql.value(row, "by_meaning");
            ranked.add(TaskContextEntry.newBuilder()
                    .setId(Sql.number(row, "id"))
                    .setRelevance(((Number) row.column("relevance").get()).doubleValue())
                    .setScope(Sql.string(row, "scope"))
                    .setDistance((int) Sql.number(row, "depth"))
                    .setMatch(byWords && byMeaning ? Match.MATCH_BOTH : byMeaning ? Match.MATCH_MEANING : Match.MATCH_WORDS)
                    .build());
        }
        return page.answer(ranked, read, ids -> contents(db, ids), response).build();
    }

    /** The contents of the entries {@code ids}, by id. */
    private static java.util.Map<Long, String> contents(DbExecute db, List<Long> ids) {
        java.util.Map<Long, String> contents = new java.util.HashMap<>();
        for (DbRow row : Sql.rows(db, "SELECT knowledge_id, content FROM knowledge_text WHERE knowledge_id = ANY (?)",
                (Object) ids.toArray(Long[]::new))) {
            contents.put(Sql.number(row, "knowledge_id"), Sql.string(row, "content"));
        }
        return contents;
    }

    /** Each query's neighbours by meaning as the statement takes them: three arrays of the same length. */
    private record Meaning(Integer[] queries, Long[] ids, Double[] similarities) {
        static final Meaning NONE = new Meaning(new Integer[0], new Long[0], new Double[0]);

        static Meaning of(List<List<VectorIndex.Neighbour>> neighbours) {
            List<Integer> queries = new java.util.ArrayList<>();
            List<Long> ids = new java.util.ArrayList<>();
            List<Double> similarities = new java.util.ArrayList<>();
            for (int i = 0; i < neighbours.size(); i++) {
                for (VectorIndex.Neighbour neighbour : neighbours.get(i)) {
                    queries.add(i + 1);
                    ids.add(neighbour.id());
                    similarities.add(neighbour.cosine());
                }
            }
            return new Meaning(queries.toArray(Integer[]::new), ids.toArray(Long[]::new), similarities.toArray(Double[]::new));
        }
    }
}
