-- Kaizen schema, version 4: semantic recall.
--  * knowledge_embedding: one vector per entry, computed by knowledge-service's embedding workers after
--    the write was acknowledged (never on the write path);
--  * embedding_outbox: entries whose text changed and wait to be embedded. A write adds its entry in its
--    own transaction (a trigger); workers of every replica take rows with FOR UPDATE SKIP LOCKED;
--  * knowledge_vector_change: the change feed each replica's in-memory vector index follows (a vector
--    stored, an entry moved to another scope or deleted), read in transaction-id order so that no change
--    is ever missed;
--  * search.semantic_weight: how much meaning counts next to words; 0 turns semantic recall off.

-- What is embedded of an entry (the model reads its first tokens): the content, where the entry says
-- what it is about. One definition, for the worker and for the check that a vector is still current.
CREATE FUNCTION knowledge_embedding_text(content text, context text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$
    SELECT content
$$;

CREATE TABLE knowledge_embedding (
    knowledge_id bigint      PRIMARY KEY REFERENCES knowledge (id) ON DELETE CASCADE,
    -- the model that computed it, e.g. 'bge-small-en-v1.5'; vectors of another model are not searched
    model        text        NOT NULL,
    -- the unit vector, one signed byte per dimension (see kaizen-embedding's Embedder.quantize)
    vector       bytea       NOT NULL,
    -- md5 of the text it was computed from (knowledge_embedding_text): a vector is stored only while
    -- the entry still has that text, so a slow worker never overwrites a newer vector with an older one
    text_md5     text        NOT NULL,
    embedded_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE embedding_outbox (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- no foreign key: a worker drops the rows of entries deleted meanwhile
    knowledge_id bigint      NOT NULL,
    enqueued_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE knowledge_vector_change (
    -- the changing transaction; a reader takes the changes of transactions older than every one still
    -- running (pg_snapshot_xmin), which therefore are all committed or rolled back
    tx           xid8        NOT NULL DEFAULT pg_current_xact_id(),
    knowledge_id bigint      NOT NULL,
    changed_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX knowledge_vector_change_tx ON knowledge_vector_change (tx);

INSERT INTO config (key, type, value, default_value, min_value, max_value, description) VALUES
    ('search.semantic_weight', 'float', '1.0', '1.0', 0, 1,
     'How much meaning (in-process embeddings) counts next to words in search; 0 to 1. 0 turns semantic recall off: search is by words alone and new entries are not embedded.');

UPDATE config SET description = 'Entries found neither by words nor by meaning at this relevance or above are left out of search results; 0 to 1. By words alone, relevance is 0.5 or more for entries holding every word of a query, and below for partial matches.'
    WHERE key = 'search.relevance_threshold';

-- A new or changed text waits to be embedded, unless semantic recall is off.
CREATE FUNCTION embedding_outbox_enqueue() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    IF (SELECT value::float8 > 0 FROM config WHERE key = 'search.semantic_weight') THEN
        INSERT INTO embedding_outbox (knowledge_id) VALUES (NEW.knowledge_id);
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER knowledge_text_embed_new AFTER INSERT ON knowledge_text
    FOR EACH ROW EXECUTE FUNCTION embedding_outbox_enqueue();
CREATE TRIGGER knowledge_text_embed_changed AFTER UPDATE OF content, context ON knowledge_text
    FOR EACH ROW
    WHEN (knowledge_embedding_text(OLD.content, OLD.context) IS DISTINCT FROM knowledge_embedding_text(NEW.content, NEW.context))
    EXECUTE FUNCTION embedding_outbox_enqueue();

-- The change feed: a vector stored, an entry moved or deleted.
CREATE FUNCTION knowledge_vector_stored() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    INSERT INTO knowledge_vector_change (knowledge_id) VALUES (NEW.knowledge_id);
    RETURN NULL;
END
$$;
CREATE TRIGGER knowledge_embedding_stored AFTER INSERT OR UPDATE ON knowledge_embedding
    FOR EACH ROW EXECUTE FUNCTION knowledge_vector_stored();
CREATE FUNCTION knowledge_vector_moved() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    INSERT INTO knowledge_vector_change (knowledge_id) VALUES (NEW.id);
    RETURN NULL;
END
$$;
CREATE TRIGGER knowledge_moved AFTER UPDATE OF scope_id ON knowledge
    FOR EACH ROW WHEN (OLD.scope_id IS DISTINCT FROM NEW.scope_id) EXECUTE FUNCTION knowledge_vector_moved();
-- deletions (of an entry, or of its scope or namespace) in one statement per statement
CREATE FUNCTION knowledge_vectors_deleted() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    INSERT INTO knowledge_vector_change (knowledge_id) SELECT id FROM deleted_knowledge;
    RETURN NULL;
END
$$;
CREATE TRIGGER knowledge_deleted AFTER DELETE ON knowledge
    REFERENCING OLD TABLE AS deleted_knowledge
    FOR EACH STATEMENT EXECUTE FUNCTION knowledge_vectors_deleted();

-- Knowledge written before this version is embedded in the background, oldest first.
INSERT INTO embedding_outbox (knowledge_id) SELECT id FROM knowledge ORDER BY id;

INSERT INTO schema_migration (version, description) VALUES (4, 'semantic recall: embeddings, outbox, vector change feed');
