package dev.kaizen.knowledge;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import io.helidon.dbclient.DbRow;

/**
 * Keeps this replica's {@link VectorIndex} equal to PostgreSQL's vectors: a virtual thread loads
 * every vector of the model at start (in the background: search is by words alone until then),
 * then follows {@code knowledge_vector_change} every {@code interval}, re-reading each changed
 * entry (its vector, scope and valid_until, or that it is gone).
 * <p>
 * No change is missed: each read takes the changes of every transaction from the horizon on (the
 * oldest transaction that was running at the last read, {@code pg_snapshot_xmin}), skipping those
 * it applied already; a transaction still running then is read once it has committed. The load takes
 * the horizon before it reads the vectors, so a change that commits during the load is applied again
 * after it (applying a change twice does no harm). Feed rows older than an hour are pruned; a replica that
 * could not read the feed for half of that loads everything again.
 */
final class VectorFeed implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(VectorFeed.class.getName());
    private static final Duration RETENTION = Duration.ofHours(1);
    private static final Duration PRUNE_EVERY = Duration.ofMinutes(10);
    /** Rows of the initial load fetched at a time: a cursor, so a million vectors never sit in memory at once. */
    private static final int FETCH = 2_000;

    /** Where the index stands. */
    enum State { LOADING, READY }

    private final Database database;
    private final VectorIndex index;
    private final String model;
    private final Duration interval;
    private final Thread follower;
    private final AtomicLong loaded = new AtomicLong();
    private volatile State state = State.LOADING;
    private volatile Duration loadTime;
    private String horizon;
    /** Transactions at or above the horizon whose changes were applied already. */
    private final java.util.Set<Long> applied = new java.util.HashSet<>();
    private Instant lastRead = Instant.MIN;
    private Instant lastPruned = Instant.MIN;

    VectorFeed(Database database, VectorIndex index, String model, Duration interval) {
        this.database = database;
        this.index = index;
        this.model = model;
        this.interval = interval;
        this.follower = SemanticRecall.background("vector-feed").unstarted(this::follow);
    }

    /** Loads the index, then follows the changes, in the background. */
    VectorFeed start() {
        follower.start();
        return this;
    }

    State state() {
        return state;
    }

    /** Vectors read by the load so far (all of them once {@link State#READY}). */
    long loaded() {
        return loaded.get();
    }

    /** How long the last full load took, or null while it runs. */
    Duration loadTime() {
        return loadTime;
    }

    private void follow() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                if (state == State.LOADING || Instant.now().isAfter(lastRead.plus(RETENTION.dividedBy(2)))) {
                    load();
                } else {
                    readChanges();
                }
                Thread.sleep(interval);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
                LOG.log(System.Logger.Level.WARNING, "vector index not updated: {0}", e.getMessage());
                try {
                    Thread.sleep(Duration.ofSeconds(1));
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    /** Every vector of the model into the index, with the feed's horizon taken first. */
    private void load() {
        Instant start = Instant.now();
        state = State.LOADING;
        loaded.set(0);
        String from = currentHorizon();
        try (Connection connection = database.connection()) {
            connection.setAutoCommit(false);
            try (PreparedStatement statement = connection.prepareStatement("""
                    SELECT k.id, k.scope_id, k.valid_until, e.vector
                    FROM knowledge_embedding e JOIN knowledge k ON k.id = e.knowledge_id
                    WHERE e.model = ?""")) {
                statement.setFetchSize(FETCH);
                statement.setString(1, model);
                try (ResultSet rows = statement.executeQuery()) {
                    while (rows.next()) {
                        Timestamp validUntil = rows.getTimestamp(3);
                        index.put(rows.getLong(1), rows.getLong(2), validUntil == null ? null : validUntil.toInstant(),
                                rows.getBytes(4));
                        loaded.incrementAndGet();
                    }
                }
            }
            connection.commit();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the vectors: " + e.getMessage(), e);
        }
        index.refresh();
        horizon = from;
        applied.clear();
        lastRead = Instant.now();
        loadTime = Duration.between(start, lastRead);
        state = State.READY;
        LOG.log(System.Logger.Level.INFO, "vector index ready: {0} entries of {1} in {2} ms", loaded.get(), model,
                loadTime.toMillis());
    }

    /**
     * The changes committed since the last read, applied. Every transaction older than the horizon
     * taken before the read has finished, so its changes are visible to the read; younger ones are
     * read again next time (those already applied are skipped by their transaction id), so a
     * transaction that commits late is never missed, and one that commits early is not held back.
     */
    private void readChanges() {
        String to = currentHorizon();
        List<DbRow> rows = database.inTransaction(tx -> Sql.rows(tx, """
                SELECT DISTINCT tx::text AS tx, knowledge_id FROM knowledge_vector_change WHERE tx >= ?::xid8""", horizon));
        java.util.Set<Long> ids = new java.util.HashSet<>();
        java.util.Set<Long> transactions = new java.util.HashSet<>();
        for (DbRow row : rows) {
            long transaction = Long.parseLong(Sql.string(row, "tx"));
            if (!applied.contains(transaction)) {
                transactions.add(transaction);
                ids.add(Sql.number(row, "knowledge_id"));
            }
        }
        if (!ids.isEmpty()) {
            List<DbRow> changed = database.inTransaction(tx -> Sql.rows(tx, """
                    SELECT c.id, k.scope_id, k.valid_until, e.vector
                    FROM unnest(?::bigint[]) AS c (id)
                    LEFT JOIN knowledge k ON k.id = c.id
                    LEFT JOIN knowledge_embedding e ON e.knowledge_id = c.id AND e.model = ?""",
                    ids.toArray(Long[]::new), model));
            for (DbRow row : changed) {
                long id = Sql.number(row, "id");
                Object vector = Sql.value(row, "vector");
                if (vector == null || Sql.value(row, "scope_id") == null) {
                    index.remove(id);
                } else {
                    Timestamp validUntil = (Timestamp) Sql.value(row, "valid_until");
                    index.put(id, Sql.number(row, "scope_id"), validUntil == null ? null : validUntil.toInstant(),
                            (byte[]) vector);
                }
            }
            index.refresh();
        }
        applied.addAll(transactions);
        long oldest = Long.parseLong(to);
        applied.removeIf(transaction -> transaction < oldest);
        horizon = to;
        lastRead = Instant.now();
        if (lastRead.isAfter(lastPruned.plus(PRUNE_EVERY))) {
            database.inTransaction(tx -> Sql.update(tx, "DELETE FROM knowledge_vector_change WHERE changed_at < now() - ?::interval",
                    RETENTION.toSeconds() + " seconds"));
            lastPruned = lastRead;
        }
    }

    /** The oldest transaction still running: every older one has finished. */
    private String currentHorizon() {
        try (Connection connection = database.connection(); Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SELECT pg_snapshot_xmin(pg_current_snapshot())::text")) {
            row.next();
            return row.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the transaction horizon: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        follower.interrupt();
        try {
            follower.join(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
