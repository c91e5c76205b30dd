package dev.kaizen.knowledge;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import dev.kaizen.embedding.Embedder;
import dev.kaizen.embedding.EmbeddingModel;
import io.helidon.config.Config;
import io.helidon.health.HealthCheck;
import io.helidon.health.HealthCheckResponse;
import io.helidon.metrics.api.FunctionalCounter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Metrics;

/**
 * Search by meaning, inside this process: the embedding model, the workers that embed new and
 * changed entries after their write was acknowledged, and the vector index that answers which
 * entries of some scopes are nearest to a query. Configured from the {@code semantic} node
 * (knowledge-service.yaml); {@code semantic.model: none} leaves it all out.
 * <p>
 * The fusion with the word ranking happens in {@link TaskContextSearch}: a query's neighbours
 * come with a similarity from 0 (at the model's floor or below) to 1.
 */
final class SemanticRecall implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(SemanticRecall.class.getName());
    /** Queries whose vectors are kept: agents repeat their queries. */
    private static final int QUERY_CACHE = 1_000;

    private final Database database;
    private final EmbeddingModel model;
    /** The model, loaded in the background so that the service is ready without waiting for it. */
    private final CompletableFuture<Embedder> embedder = new CompletableFuture<>();
    private final VectorIndex index;
    private final VectorFeed feed;
    private final EmbeddingWorkers workers;
    private final Map<String, byte[]> queryVectors = new ConcurrentHashMap<>();
    private volatile long backlog = -1;
    private final Thread backlogProbe;
    private final Thread modelLoader;
    private final Duration startDelay;
    private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * A thread for the CPU-heavy work of semantic recall (embedding, loading the model, building and
     * following the vector index): a platform thread at the lowest priority, so that it takes the
     * cores only when requests leave them. Java priorities reach the operating system with the
     * Dockerfile's -XX:ThreadPriorityPolicy=1 and -XX:JavaPriority1_To_OSPriority=19 (nice 19, which
     * needs no permission); without them they change nothing.
     */
    static Thread.Builder.OfPlatform background(String name) {
        return Thread.ofPlatform().daemon().priority(Thread.MIN_PRIORITY).name(name);
    }

    private SemanticRecall(Database database, EmbeddingModel model, Path indexParent, int threads, Duration interval,
                           Duration startDelay) {
        this.database = database;
        this.model = model;
        this.startDelay = startDelay;
        this.modelLoader = background("embedding-model").unstarted(() -> {
            try {
                Embedder loaded = Embedder.load(model);
                embedder.complete(loaded);
                if (closed.get()) {
                    loaded.close();
                }
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "the embedding model could not be loaded; search is by words alone: {0}",
                        e.getMessage());
                embedder.completeExceptionally(e);
            }
        });
        this.index = new VectorIndex(indexParent, model.range());
        this.feed = new VectorFeed(database, index, model.id(), interval);
        this.workers = new EmbeddingWorkers(database, embedder, threads, interval);
        this.backlogProbe = Thread.ofVirtual().name("embedding-backlog").start(() -> {
            long reported = System.nanoTime();
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    backlog = database.inTransaction(tx -> Sql.row(tx, "SELECT count(*) AS n FROM embedding_outbox")
                            .map(row -> Sql.number(row, "n")).orElse(0L));
                    // a long backlog (an upgrade, a bulk import, a model change) shows its progress in the log
                    if (backlog > 0 && System.nanoTime() - reported > Duration.ofMinutes(1).toNanos()) {
                        LOG.log(System.Logger.Level.INFO, "embedding: {0} entries waiting; this replica embedded {1} "
                                + "so far; its vector index holds {2}", backlog, workers.embedded(), index.size());
                        reported = System.nanoTime();
                    }
                    Thread.sleep(Duration.ofSeconds(2));
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    backlog = -1;
                    try {
                        Thread.sleep(Duration.ofSeconds(2));
                    } catch (InterruptedException interrupted) {
                        return;
                    }
                }
            }
        });
        Metrics.globalRegistry().getOrCreate(Gauge.builder("kaizen.embedding.backlog", () -> Math.max(0, backlog))
                .description("Entries waiting to be embedded (all replicas share the queue)"));
        Metrics.globalRegistry().getOrCreate(FunctionalCounter.builder("kaizen.embedding.embedded", workers,
                        EmbeddingWorkers::embedded)
                .description("Entries this replica embedded"));
        Metrics.globalRegistry().getOrCreate(Gauge.builder("kaizen.vector.index.entries", () -> (long) index.size())
                .description("Entries in this replica's vector index"));
        Metrics.globalRegistry().getOrCreate(Gauge.builder("kaizen.vector.index.ready", () -> ready() ? 1 : 0)
                .description("1 once this replica's vector index has loaded every vector and follows the changes"));
    }

    /**
     * Semantic recall as {@code semantic} configures it, or null when {@code semantic.model} is
     * {@code none}. The model loads (about a second) and the index fills in the background from {@link #begin} on.
     */
    static SemanticRecall start(Database database, Config semantic) {
        String name = semantic.get("model").asString().get().strip();
        if (name.equals("none")) {
            LOG.log(System.Logger.Level.INFO, "semantic recall off (semantic.model: none): search is by words alone");
            return null;
        }
        EmbeddingModel model = EmbeddingModel.named(name);
        String folder = semantic.get("index-dir").asString().orElse("").strip();
        Path indexParent = Path.of(folder.isEmpty() ? System.getProperty("java.io.tmpdir") : folder);
        return new SemanticRecall(database, model, indexParent, semantic.get("threads").asInt().get(),
                semantic.get("feed-interval").as(Duration.class).get(), semantic.get("start-delay").as(Duration.class).get());
    }

    /**
     * Loads the model and the index in the background, {@code semantic.start-delay} after it is
     * called. Called once the service serves: both take the cores for a while (the index about 30 s
     * of one core at 60,000 entries), which the start of a gateway beside it needs more; until they
     * are loaded, search is by words alone.
     */
    void begin() {
        if (startDelay.isZero()) {
            load();
            return;
        }
        Thread.ofVirtual().name("semantic-start").start(() -> {
            try {
                Thread.sleep(startDelay);
            } catch (InterruptedException e) {
                return;
            }
            load();
        });
    }

    private synchronized void load() {
        if (!closed.get()) {
            modelLoader.start();
            feed.start();
        }
    }

    EmbeddingModel model() {
        return model;
    }

    /** Whether the model is loaded and the index holds every vector there was when it loaded and follows the changes. */
    boolean ready() {
        return feed.state() == VectorFeed.State.READY && embedder.isDone() && !embedder.isCompletedExceptionally();
    }

    /**
     * For each query (in order), up to {@code count} entries of {@code scopeIds} nearest to it that
     * have not expired, each with its similarity: 0 at the model's floor, 1 for the same meaning.
     * Empty while the index loads.
     */
    List<List<VectorIndex.Neighbour>> neighbours(List<String> queries, long[] scopeIds, int count) {
        List<List<VectorIndex.Neighbour>> all = new ArrayList<>(queries.size());
        double floor = model.similarityFloor();
        java.time.Instant now = java.time.Instant.now();
        for (String query : queries) {
            if (!ready() || scopeIds.length == 0) {
                all.add(List.of());
                continue;
            }
            List<VectorIndex.Neighbour> similar = new ArrayList<>();
            for (VectorIndex.Neighbour near : index.nearest(queryVector(query), scopeIds, now, count)) {
                if (near.cosine() > floor) {
                    similar.add(new VectorIndex.Neighbour(near.id(), (near.cosine() - floor) / (1 - floor)));
                }
            }
            all.add(similar);
        }
        return all;
    }

    /** Embeds the queries now (outside any transaction), unless the index is still loading. */
    void prepare(List<String> queries) {
        if (ready()) {
            queries.forEach(this::queryVector);
        }
    }

    private byte[] queryVector(String query) {
        byte[] vector = queryVectors.get(query);
        if (vector == null) {
            Embedder loaded = embedder.join();
            vector = loaded.quantize(loaded.query(query));
            if (queryVectors.size() >= QUERY_CACHE) {
                queryVectors.clear();
            }
            queryVectors.put(query, vector);
        }
        return vector;
    }

    /**
     * Queues every entry without a current vector of this model (written while semantic recall was
     * off, or with another model) for the workers; the service calls it at start and whenever
     * search.semantic_weight turns on again.
     */
    static long queueMissing(io.helidon.dbclient.DbExecute tx, String model) {
        return Sql.update(tx, """
                INSERT INTO embedding_outbox (knowledge_id)
                SELECT k.id FROM knowledge k
                WHERE NOT EXISTS (SELECT FROM knowledge_embedding e WHERE e.knowledge_id = k.id AND e.model = ?)
                  AND NOT EXISTS (SELECT FROM embedding_outbox o WHERE o.knowledge_id = k.id)
                ORDER BY k.id""", model);
    }

    /** Readiness details: the index's state and the outbox's backlog; never makes the service unready. */
    HealthCheck health() {
        return dev.kaizen.runtime.ServiceRuntime.readiness("semantic", () -> HealthCheckResponse.builder()
                .status(true)
                .detail("model", model.id() + (embedder.isDone() ? "" : " (loading)"))
                .detail("vector_index", ready() ? "ready" : "loading (" + feed.loaded() + " vectors so far)")
                .detail("vector_index_entries", index.size())
                .detail("embedding_backlog", backlog < 0 ? "unknown" : String.valueOf(backlog))
                .build());
    }

    @Override
    public void close() {
        synchronized (this) {
            if (!closed.compareAndSet(false, true)) {
                return;
            }
        }
        // closed before the model was loaded (or began to load): the workers waiting for it stop
        embedder.completeExceptionally(new java.util.concurrent.CancellationException("semantic recall closed"));
        backlogProbe.interrupt();
        workers.close();
        feed.close();
        index.close();
        if (embedder.isDone() && !embedder.isCompletedExceptionally()) {
            embedder.join().close();
        }
    }
}
