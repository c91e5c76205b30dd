-- Kaizen schema, version 9: importing is idempotent by content. ImportKnowledge leaves out an entry
-- whose scope already holds one with the same content and context (a file imported twice stores its
-- knowledge once); it finds such an entry through the hash of its content.
CREATE INDEX knowledge_text_content_md5 ON knowledge_text (md5(content));

INSERT INTO schema_migration (version, description) VALUES (9, 'idempotent import: entries found by content hash');
