-- Kaizen schema, version 8: history is kept as long as the setting history.retention_days says
-- (forever by default), and PurgeKnowledge removes an entry with its history for real.
--  * knowledge-service's HistoryRetention removes the versions that left the current state more than
--    that many days ago: every version of an entry deleted that long ago, and of an existing entry
--    the versions superseded that long ago; an existing entry's newest version always stays.
--  * Versions stay immutable (no UPDATE); DELETE is how retention and purging remove them.
-- (Version 7 is expiry and review.)

-- Retention reads versions by age.
CREATE INDEX knowledge_version_time ON knowledge_version (time);

INSERT INTO config (key, type, value, default_value, min_value, max_value, description) VALUES
    ('history.retention_days', 'integer', '0', '0', 0, 36500,
     'How many days deleted entries and superseded versions are kept before they are removed for good (restore_knowledge can no longer bring them back); 0 keeps them forever. An existing entry''s current state is always kept.');

INSERT INTO schema_migration (version, description) VALUES (8, 'history retention and purge');
