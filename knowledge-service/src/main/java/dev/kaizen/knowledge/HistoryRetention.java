package dev.kaizen.knowledge;

import java.time.Duration;

import io.helidon.dbclient.DbExecute;

/**
 * Applies the setting {@code history.retention_days} (0, the default: keep history forever): every
 * {@code interval} a virtual thread removes the versions that left the current state more than that
 * many days ago: every version of an entry deleted that long ago, and of an existing entry the
 * versions superseded that long ago; an existing entry's newest version (the entry as it is) stays.
 * It removes at most {@link #BATCH} versions per transaction, and of several replicas one works at
 * a time. Each run that removed anything leaves one audit event.
 */
final class HistoryRetention implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(HistoryRetention.class.getName());
    static final int BATCH = 10_000;

    /** Versions past the retention: superseded (or, for a deleted entry, deleted) before the cutoff. */
    private static final String EXPIRE = """
            WITH setting AS (SELECT now() - make_interval(days => value::integer) AS cutoff, value::integer AS days
                             FROM config WHERE key = 'history.retention_days'),
            expired AS (
                SELECT v.knowledge_id, v.version
                FROM knowledge_version v, setting s
                WHERE s.days > 0 AND v.time < s.cutoff
                  AND (EXISTS (SELECT 1 FROM knowledge_version w
                               WHERE w.knowledge_id = v.knowledge_id AND w.version > v.version AND w.time < s.cutoff)
                       OR NOT EXISTS (SELECT 1 FROM knowledge k WHERE k.id = v.knowledge_id)
                          AND NOT EXISTS (SELECT 1 FROM knowledge_version w
                                          WHERE w.knowledge_id = v.knowledge_id AND w.version > v.version))
                LIMIT %d)
            DELETE FROM knowledge_version v USING expired e
            WHERE v.knowledge_id = e.knowledge_id AND v.version = e.version""".formatted(BATCH);

    private final Thread remover;

    HistoryRetention(Database database, Duration interval) {
        this.remover = Thread.ofVirtual().name("history-retention").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(interval);
                    long removed = 0;
                    long batch;
                    do {
                        batch = database.inTransaction(HistoryRetention::expire);
                        removed += batch;
                    } while (batch == BATCH);
                    if (removed > 0) {
                        long total = removed;
                        database.inTransaction(tx -> {
                            Audit.recordByService(tx, "knowledge.history_expired", "", total
                                    + " versions past history.retention_days removed");
                            return null;
                        });
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "knowledge history past its retention not removed: {0}",
                            e.getMessage());
                }
            }
        });
    }

    /** Removes up to {@link #BATCH} versions past the retention in {@code tx}; how many. */
    static long expire(DbExecute tx) {
        if (Sql.row(tx, "SELECT 1 WHERE pg_try_advisory_xact_lock(hashtext('knowledge_history_retention'))").isEmpty()) {
            return 0;
        }
        return Sql.update(tx, EXPIRE);
    }

    @Override
    public void close() {
        remover.interrupt();
    }
}
