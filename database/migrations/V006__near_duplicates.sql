-- Kaizen schema, version 6: near-duplicates. write_knowledge reports the entries of the target scope
-- and its ancestors that say nearly the same thing (and with if_similar "skip" does not write).
--  * Similarity is the Jaccard index of two contents' words as search indexes them (stemmed, stop
--    words left out): reordered sentences keep it at 1, one changed word in 30 lowers it to about 0.94,
--    and texts that merely share a topic stay far below the default threshold of 0.8.
--  * Candidates come from the search index that exists anyway: the entries holding one of the new
--    content's rarest words, as many as a near-copy could lack plus one (prefix filtering: an entry
--    sharing 80% of 20 words holds one of any 5 of them), rarity by the search snapshot's document
--    frequencies. No near-duplicate is missed; nothing is stored per entry; no table is rewritten.
-- The statement that reads all this is NearDuplicates in knowledge-service.

-- The distinct words of an entry's content as its search vector holds them (lead and body, not the
-- context): one definition, for the new text and for the entries it is compared with.
CREATE FUNCTION knowledge_content_words(search_vector tsvector) RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$
    SELECT tsvector_to_array(ts_filter(search_vector, '{b,c}'))
$$;

-- A query matching any of the given words, each taken as it is (quoted: never parsed as operators).
CREATE FUNCTION knowledge_any_word(words text[]) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$
    SELECT string_agg('''' || replace(replace(w, '\', '\\'), '''', '''''') || '''', ' | ')::tsquery
    FROM unnest(words) AS w
$$;

-- The Jaccard index of two word sets: shared words over all words, 0 to 1.
CREATE FUNCTION knowledge_word_similarity(a text[], b text[]) RETURNS float8
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$
    SELECT cardinality(ARRAY(SELECT unnest(a) INTERSECT SELECT unnest(b)))::float8
           / nullif(cardinality(ARRAY(SELECT unnest(a) UNION SELECT unnest(b))), 0)
$$;

INSERT INTO config (key, type, value, default_value, min_value, max_value, description) VALUES
    ('write.similarity_threshold', 'float', '0.8', '0.8', 0.5, 1,
     'write_knowledge reports entries in the scope and its ancestors whose content shares at least this share of its words (Jaccard index of stemmed words, 0.5 to 1); 1 reports only entries with the same words.'),
    ('write.similar_limit', 'integer', '3', '3', 0, 20,
     'How many near-duplicates write_knowledge reports at most, closest first; 0 turns the check off (and if_similar "skip" then always writes).');

INSERT INTO schema_migration (version, description) VALUES (6, 'near-duplicates: write_knowledge names entries that say nearly the same thing');
