package dev.kaizen.knowledge;

import java.time.Duration;
import java.time.Instant;

import io.helidon.dbclient.DbExecute;

/**
 * Keeps the search's statistics snapshot (document frequencies, field lengths, entries per scope)
 * fresh without touching the write path: every {@code interval} a virtual thread reads how many
 * rows of {@code knowledge} changed (PostgreSQL's own counters), and when that is at least 5% of
 * the entries, or anything changed and the snapshot is an hour old, it rebuilds the snapshot. The
 * rebuild is one scan of {@code knowledge} (about a second at 100,000 entries); searches read the
 * previous snapshot until it commits, and of several replicas only one rebuilds at a time.
 */
final class SearchStatistics implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SearchStatistics.class.getName());
    private static final double SHARE_CHANGED = 0.05;
    private static final Duration MAX_AGE = Duration.ofHours(1);

    private final Database database;
    private final Thread refresher;
    private long changesAtRefresh = -1;
    private Instant refreshedAt = Instant.MIN;

    SearchStatistics(Database database, Duration interval) {
        this.database = database;
        this.refresher = Thread.ofVirtual().name("search-statistics").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(interval);
                    refreshIfStale();
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "search statistics not refreshed: {0}", e.getMessage());
                }
            }
        });
    }

    private void refreshIfStale() {
        long[] counts = database.inTransaction(db -> new long[] {
            Sql.row(db, """
                    SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) AS changes
                    FROM pg_stat_user_tables WHERE relid = 'knowledge'::regclass""")
                    .map(row -> Sql.number(row, "changes")).orElse(0L),
            Sql.row(db, "SELECT coalesce(max(entries), 0) AS entries FROM search_corpus_stat")
                    .map(row -> Sql.number(row, "entries")).orElse(0L)});
        long changes = counts[0];
        long entries = counts[1];
        // counters start again from 0 after a crash or a statistics reset
        long changed = changesAtRefresh < 0 || changes < changesAtRefresh ? Long.MAX_VALUE : changes - changesAtRefresh;
        if (changed > 0 && (changed >= Math.max(1, SHARE_CHANGED * entries)
                || Instant.now().isAfter(refreshedAt.plus(MAX_AGE)))) {
            Instant start = Instant.now();
            boolean refreshed = database.inTransaction(SearchStatistics::refresh);
            changesAtRefresh = changes;
            refreshedAt = Instant.now();
            if (refreshed) {
                LOG.log(System.Logger.Level.DEBUG, "search statistics refreshed in {0} ms",
                        Duration.between(start, refreshedAt).toMillis());
            }
        }
    }

    /**
     * Rebuilds the snapshot in the caller's transaction, unless another transaction is rebuilding it
     * right now; whether it did.
     */
    static boolean refresh(DbExecute tx) {
        return Sql.row(tx, """
                SELECT refresh_search_stats() WHERE pg_try_advisory_xact_lock(hashtext('refresh_search_stats'))""")
                .isPresent();
    }

    @Override
    public void close() {
        refresher.interrupt();
    }
}
