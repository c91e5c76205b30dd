-- Kaizen schema, version 7: knowledge expires, and stale knowledge can be reviewed.
--  * knowledge.valid_until: when an entry stops being true (NULL: never). Past it, the task-context
--    search leaves the entry out, by words and by meaning; get_knowledge still shows it, as expired.
--    Expiry is a comparison with the time of the search, never a job that rewrites rows: an entry
--    expires without a write, so the write path pays nothing for it.
--  * knowledge_version.valid_until: history keeps it with every version, so a restore brings it back.
--  * two indexes for ListStaleKnowledge (list_stale), which lists one scope's entries not updated for
--    N days or past valid_until, oldest update first: each kind is an ordered scan of its own index
--    that stops when the page is full, so a page reads about what it answers, not the scope.
-- (Version 6 is the near-duplicate check's; migrations are applied by version, whatever the order.)

-- No default, so adding the columns rewrites neither table (knowledge_version refuses UPDATE anyway).
ALTER TABLE knowledge ADD COLUMN valid_until timestamptz;
ALTER TABLE knowledge_version ADD COLUMN valid_until timestamptz;

-- The one definition of "expired", for the search, get_knowledge and list_stale: valid_until has
-- passed at the time of the statement's transaction. NULL (never true) for an entry without one, so
-- "not expired" is `knowledge_expired(k.valid_until) IS NOT TRUE`. A plain SQL expression, which the
-- planner inlines: `WHERE knowledge_expired(k.valid_until)` is a range condition an index can serve.
CREATE FUNCTION knowledge_expired(valid_until timestamptz) RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE AS
$$
    SELECT valid_until <= now()
$$;

-- Not updated for N days: a scope's entries in update order, read from the oldest up to the cut-off
-- (id breaks ties, so that paging by (updated_at, id) is exact).
CREATE INDEX knowledge_scope_updated ON knowledge (scope_id, updated_at, id);
-- Expired: the same order, over the entries that have a valid_until only (few, as most knowledge does
-- not expire); the scan skips those not expired yet. (An index on valid_until would find the expired
-- ones directly, but all of a scope's expired entries would then be read and sorted for every page.)
CREATE INDEX knowledge_scope_expiring ON knowledge (scope_id, updated_at, id) WHERE valid_until IS NOT NULL;

-- Each replica's vector index keeps every entry's valid_until, so that a search by meaning asks it for
-- the nearest entries that have not expired (expired ones would take their places and be dropped
-- afterwards). A changed valid_until is therefore a change the feed carries, like a move.
CREATE TRIGGER knowledge_valid_until_changed AFTER UPDATE OF valid_until ON knowledge
    FOR EACH ROW WHEN (OLD.valid_until IS DISTINCT FROM NEW.valid_until) EXECUTE FUNCTION knowledge_vector_moved();

INSERT INTO schema_migration (version, description) VALUES (7, 'knowledge expiry: valid_until, and indexes for list_stale');
