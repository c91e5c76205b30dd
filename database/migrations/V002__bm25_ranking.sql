-- Kaizen schema, version 2: BM25F-style ranking in plain PostgreSQL.
--  * the first sentence of content (its "lead", at most 250 characters) gets weight label C, so a
--    search can weigh it apart from the rest of the content (B) and the context (A);
--  * per-entry field lengths (distinct lexemes per label) are generated columns: a write computes
--    them from its own row only;
--  * document frequencies come from a snapshot (search_term_stat, search_corpus_stat) that
--    refresh_search_stats() rebuilds in the background; never per write.
-- The search that reads all this is TaskContextSearch in knowledge-service; the design and its
-- measurements are in the README ("How search ranks").

-- The lead: the first sentence (up to . ! or ? followed by white space) of the first line, or failing
-- that the first line, at most 250 characters, cut at a word boundary.
CREATE FUNCTION knowledge_lead(content text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$
    SELECT coalesce(substring(content FROM '^[^\n]{0,250}?[.!?](?=\s|$)'),
                    substring(content FROM '^[^\n]{0,250}(?=\s|$)'), '')
$$;

-- Words joined by '.', '/', ':', '@' or '\' (Node.js, SSL/TLS, X.Org, URLs, paths, Perl::Modules) are
-- indexed as separate words: the parser would keep them as one host/file/URL token that no query
-- keyword (a-z, 0-9, '-') can ever match.
CREATE FUNCTION knowledge_words(text text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$
    SELECT regexp_replace(text, '[./:@\\]+', ' ', 'g')
$$;

CREATE OR REPLACE FUNCTION knowledge_search_vector(context text, content text) RETURNS tsvector
    LANGUAGE sql STABLE AS
$$
    SELECT setweight(to_tsvector(c.value::regconfig, knowledge_words(context)), 'A')
               || setweight(to_tsvector(c.value::regconfig, knowledge_words(l.lead)), 'C')
               || setweight(to_tsvector(c.value::regconfig, knowledge_words(substr(content, length(l.lead) + 1))), 'B')
    FROM config c, knowledge_lead(content) AS l (lead)
    WHERE c.key = 'search.language'
$$;

-- One-time recomputation of the existing vectors (a migration, not a write path).
UPDATE knowledge k SET search_vector = knowledge_search_vector(t.context, t.content)
FROM knowledge_text t WHERE t.knowledge_id = k.id;

-- Field lengths in distinct lexemes: context (A), lead (C), whole content (B and C). Adding stored
-- generated columns rewrites the table (and its indexes), which also drops the dead rows of the
-- UPDATE above.
ALTER TABLE knowledge
    ADD COLUMN len_context integer GENERATED ALWAYS AS (length(ts_filter(search_vector, '{a}'))) STORED,
    ADD COLUMN len_lead    integer GENERATED ALWAYS AS (length(ts_filter(search_vector, '{c}'))) STORED,
    ADD COLUMN len_content integer GENERATED ALWAYS AS (length(ts_filter(search_vector, '{b,c}'))) STORED;

-- Entries holding every word of a query in their context or lead are looked for first, in this
-- smaller index (about a third of the main one).
CREATE INDEX knowledge_head_vector ON knowledge USING gin (ts_filter(search_vector, '{a,c}'))
    WITH (fastupdate = off) WHERE NOT suppressed;
-- A search runs several GIN scans (one per query and tier); each would read the whole pending list of
-- a fastupdate index, so 300 unflushed writes tripled p95. Writes update the index in place instead
-- (write p50 2.0 -> 3.5 ms at 100k entries, still independent of the size of the base).
ALTER INDEX knowledge_search_vector SET (fastupdate = off);

CREATE AGGREGATE tsquery_and_all(tsquery) (SFUNC = tsquery_and, STYPE = tsquery);

-- Term statistics snapshot.
CREATE TABLE search_term_stat (
    lexeme text    PRIMARY KEY,
    df     integer NOT NULL          -- entries (not suppressed) whose search_vector holds the lexeme
);
CREATE TABLE search_scope_stat (
    id      bigint PRIMARY KEY,      -- scope id (no foreign key: a snapshot may outlive a scope)
    entries bigint NOT NULL          -- entries (not suppressed) in the scope itself
);
CREATE TABLE search_corpus_stat (
    singleton    boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    entries      bigint      NOT NULL,
    avg_context  real        NOT NULL,
    avg_lead     real        NOT NULL,
    avg_content  real        NOT NULL,
    refreshed_at timestamptz NOT NULL
);

-- Rebuilds the snapshot from all entries that are not suppressed; one scan of knowledge. Run by the
-- service in the background (SearchStatistics), never by a write. Concurrent searches keep reading the
-- previous snapshot until this transaction commits.
CREATE FUNCTION refresh_search_stats() RETURNS void
    LANGUAGE plpgsql AS
$$
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('refresh_search_stats'));
    -- Document frequencies: upsert the changed ones, delete the vanished ones (one statement, one
    -- snapshot; rows that did not change are not rewritten).
    WITH fresh AS MATERIALIZED (
        SELECT word AS lexeme, ndoc AS df FROM ts_stat('SELECT search_vector FROM knowledge WHERE NOT suppressed')
    ),
    gone AS (
        DELETE FROM search_term_stat s WHERE NOT EXISTS (SELECT FROM fresh f WHERE f.lexeme = s.lexeme)
    )
    INSERT INTO search_term_stat (lexeme, df) SELECT lexeme, df FROM fresh
        ON CONFLICT (lexeme) DO UPDATE SET df = excluded.df WHERE search_term_stat.df <> excluded.df;
    DELETE FROM search_scope_stat;
    INSERT INTO search_scope_stat (id, entries)
        SELECT scope_id, count(*) FROM knowledge WHERE NOT suppressed GROUP BY scope_id;
    INSERT INTO search_corpus_stat (entries, avg_context, avg_lead, avg_content, refreshed_at)
        SELECT count(*), coalesce(avg(len_context), 1), coalesce(avg(len_lead), 1), coalesce(avg(len_content), 1), now()
        FROM knowledge WHERE NOT suppressed
        ON CONFLICT (singleton) DO UPDATE SET entries = excluded.entries, avg_context = excluded.avg_context,
            avg_lead = excluded.avg_lead, avg_content = excluded.avg_content, refreshed_at = excluded.refreshed_at;
END
$$;

INSERT INTO config (key, type, value, default_value, min_value, max_value, description) VALUES
    ('search.lead_weight', 'float', '0.8', '0.8', 0, 1,
     'Weight of the first sentence of content in relevance; 0 to 1 (keep it at or below the context weight).'),
    ('search.bm25_k1', 'float', '0.3', '0.3', 0, 10,
     'BM25 term-frequency saturation; low values make the first occurrence of a word count most.'),
    ('search.bm25_b', 'float', '0.75', '0.75', 0, 1,
     'BM25 length normalisation; 0 ignores the length of context, lead and content, 1 normalises fully.'),
    ('search.candidate_limit', 'integer', '500', '500', 50, 100000,
     'Most entries a search ranks per candidate tier (a quarter of it for partial matches); bounds the cost of searches for common words.');
-- Relevance has a new scale (0 to 1), so the old threshold means nothing any more: it is reset.
UPDATE config SET value = '0.05', default_value = '0.05', max_value = 1,
    description = 'Entries whose relevance is below this are left out of search results; 0 to 1. Relevance is 0.5 or more for entries holding every word of a query, and below for partial matches.'
    WHERE key = 'search.relevance_threshold';

SELECT refresh_search_stats();

INSERT INTO schema_migration (version, description) VALUES (2, 'BM25F ranking: lead label, field lengths, term statistics');
