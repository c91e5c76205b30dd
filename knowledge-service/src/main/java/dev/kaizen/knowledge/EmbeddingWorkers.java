package dev.kaizen.knowledge;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import dev.kaizen.embedding.Embedder;
import io.helidon.dbclient.DbRow;

/**
 * Drains {@code embedding_outbox}: each of {@code threads} platform threads takes a few rows that
 * no other worker (of any replica) holds ({@code FOR UPDATE SKIP LOCKED}), embeds their entries'
 * text, stores the vectors and deletes the rows, all in one transaction, so a worker that dies
 * leaves its rows for another. A vector is stored only while its entry still has the text it was
 * computed from; a newer text has a row of its own in the outbox. Each thread embeds on its own
 * core at most, so {@code threads} caps the CPU embedding takes from searches.
 */
final class EmbeddingWorkers implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EmbeddingWorkers.class.getName());
    /** Rows per transaction: about a tenth of a second of embedding on one core. */
    private static final int BATCH = 8;

    private final Database database;
    private final CompletableFuture<Embedder> model;
    private final Duration idle;
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong embedded = new AtomicLong();
    private volatile boolean closed;

    /** Workers that start once {@code model} has loaded (and never if it cannot be). */
    EmbeddingWorkers(Database database, CompletableFuture<Embedder> model, int threads, Duration idle) {
        this.database = database;
        this.model = model;
        this.idle = idle;
        for (int i = 0; i < threads; i++) {
            this.threads.add(SemanticRecall.background("embedding-worker-" + i).start(this::work));
        }
    }

    /** Entries this replica embedded since it started. */
    long embedded() {
        return embedded.get();
    }

    private void work() {
        Embedder embedder;
        try {
            embedder = model.join();
        } catch (RuntimeException e) {
            return; // the model did not load: SemanticRecall logged why
        }
        while (!closed) {
            try {
                if (drainOnce(embedder) == 0) {
                    Thread.sleep(idle);
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (closed) {
                    return;
                }
                LOG.log(System.Logger.Level.WARNING, "embedding paused: {0}", e.getMessage());
                try {
                    Thread.sleep(Duration.ofSeconds(1));
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    /** Embeds one batch of the outbox; how many rows it took (0: the outbox is empty, or all taken). */
    int drainOnce(Embedder embedder) {
        return database.inTransaction(tx -> {
            // vectors are derived: a commit lost in a crash leaves its outbox rows queued (they go in the same
            // transaction), so this one need not wait for the disk, and writes do not wait behind it
            Sql.update(tx, "SET LOCAL synchronous_commit = off");
            List<DbRow> rows = Sql.rows(tx, """
                    SELECT o.id, o.knowledge_id, e.text, md5(e.text) AS text_md5,
                           (v.model = ? AND v.text_md5 = md5(e.text)) IS TRUE AS current
                    FROM (SELECT id, knowledge_id FROM embedding_outbox ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED) o
                    LEFT JOIN knowledge_text t ON t.knowledge_id = o.knowledge_id
                    LEFT JOIN LATERAL (SELECT knowledge_embedding_text(t.content, t.context) AS text) e ON true
                    LEFT JOIN knowledge_embedding v ON v.knowledge_id = o.knowledge_id""", embedder.model().id(), BATCH);
            if (rows.isEmpty()) {
                return 0;
            }
            List<Long> outbox = new ArrayList<>();
            List<Long> ids = new ArrayList<>();
            List<byte[]> vectors = new ArrayList<>();
            List<String> hashes = new ArrayList<>();
            for (DbRow row : rows) {
                outbox.add(Sql.number(row, "id"));
                String text = row.column("text").asString().orElse(null);
                // gone meanwhile, embedded already (the same text was queued twice), or queued twice in this
                // batch (changed twice in a row: one vector of the text it has now serves both)
                if (text == null || row.column("current").getBoolean() || ids.contains(Sql.number(row, "knowledge_id"))) {
                    continue;
                }
                ids.add(Sql.number(row, "knowledge_id"));
                vectors.add(embedder.quantize(embedder.document(text)));
                hashes.add(Sql.string(row, "text_md5"));
            }
            if (!ids.isEmpty()) {
                Sql.update(tx, """
                        INSERT INTO knowledge_embedding (knowledge_id, model, vector, text_md5)
                        SELECT v.id, ?, v.vector, v.text_md5
                        FROM unnest(?::bigint[], ?::bytea[], ?::text[]) AS v (id, vector, text_md5)
                        JOIN knowledge_text t ON t.knowledge_id = v.id
                        WHERE md5(knowledge_embedding_text(t.content, t.context)) = v.text_md5
                        ON CONFLICT (knowledge_id) DO UPDATE
                            SET model = excluded.model, vector = excluded.vector, text_md5 = excluded.text_md5,
                                embedded_at = now()""",
                        embedder.model().id(), ids.toArray(Long[]::new), vectors.toArray(byte[][]::new),
                        hashes.toArray(String[]::new));
            }
            Sql.update(tx, "DELETE FROM embedding_outbox WHERE id = ANY (?)", (Object) outbox.toArray(Long[]::new));
            embedded.addAndGet(ids.size());
            return rows.size();
        });
    }

    @Override
    public void close() {
        closed = true;
        threads.forEach(Thread::interrupt);
        for (Thread thread : threads) {
            try {
                thread.join(Duration.ofSeconds(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
