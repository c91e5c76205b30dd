-- Kaizen schema, version 5: nothing an agent writes is lost.
--  * knowledge_version: every state an entry has had, numbered from 1 per entry, with who made it, when
--    and by what action (write, update, suppress, import, restore, delete, and baseline for the state an
--    entry had when this version was installed). knowledge-service writes a version in the transaction
--    of every change; a deletion (of the entry, its scope or its namespace) writes the entry as it was.
--    No foreign key: the versions outlive the entry, its scope and its namespace, so a deleted entry can
--    be brought back under its id. Versions are never changed; only purging removes them.

CREATE TABLE knowledge_version (
    knowledge_id bigint      NOT NULL,
    version      integer     NOT NULL,
    action       text        NOT NULL,
    principal    text        NOT NULL,
    time         timestamptz NOT NULL DEFAULT now(),
    -- where the entry was: names, not ids, since scopes can be deleted and created again
    namespace    text        NOT NULL,
    scope        text        NOT NULL,
    content      text        NOT NULL,
    context      text        NOT NULL,
    task_size    task_size,
    suppressed   boolean     NOT NULL,
    -- the entry's first write, carried by every version so a restored entry keeps it
    created_at   timestamptz NOT NULL,
    created_by   text        NOT NULL,
    PRIMARY KEY (knowledge_id, version)
);

CREATE FUNCTION knowledge_version_immutable() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    RAISE EXCEPTION 'knowledge versions are immutable: UPDATE is not allowed';
END
$$;

CREATE TRIGGER knowledge_version_no_change BEFORE UPDATE ON knowledge_version
    FOR EACH ROW EXECUTE FUNCTION knowledge_version_immutable();

-- History starts at this version: each entry's current state is its first version.
INSERT INTO knowledge_version (knowledge_id, version, action, principal, time, namespace, scope, content, context,
                               task_size, suppressed, created_at, created_by)
SELECT k.id, 1, 'baseline', k.updated_by, k.updated_at, s.namespace, s.canonical, t.content, t.context, k.task_size,
       k.suppressed, k.created_at, k.created_by
FROM knowledge k
JOIN knowledge_text t ON t.knowledge_id = k.id
JOIN qualified_scope s ON s.id = k.scope_id;

INSERT INTO schema_migration (version, description) VALUES (5, 'knowledge history: every version of every entry');
