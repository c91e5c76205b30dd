-- Kaizen schema, version 3: who did what.
--  * every entry records the principal who wrote it and who last changed it ('' for entries written
--    before Kaizen recorded principals);
--  * a conflict resolution records who resolved it;
--  * audit_event: one row per change (namespaces, scopes, knowledge, settings), written in the
--    change's own transaction; it cannot be updated, deleted or truncated.

ALTER TABLE knowledge
    ADD COLUMN created_by text NOT NULL DEFAULT '',
    ADD COLUMN updated_by text NOT NULL DEFAULT '';

ALTER TABLE knowledge_conflict_resolution
    ADD COLUMN resolved_by text NOT NULL DEFAULT '';

CREATE TABLE audit_event (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    time      timestamptz NOT NULL DEFAULT now(),
    principal text        NOT NULL,
    action    text        NOT NULL,
    -- the namespace the change is in; NULL for server-wide changes (settings)
    namespace text,
    target    text        NOT NULL,
    details   text        NOT NULL DEFAULT ''
);

-- a namespace admin reads the events of a namespace, newest first
CREATE INDEX audit_event_namespace ON audit_event (namespace, id);

CREATE FUNCTION audit_event_append_only() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % is not allowed', TG_OP;
END
$$;

CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event
    FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();

INSERT INTO schema_migration (version, description) VALUES (3, 'identity: attribution and audit log');
