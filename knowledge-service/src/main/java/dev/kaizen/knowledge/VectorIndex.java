package dev.kaizen.knowledge;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnByteVectorField;
import org.apache.lucene.document.LongField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.ConcurrentMergeScheduler;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnByteVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.MMapDirectory;

/**
 * This replica's approximate-nearest-neighbour index of the entries' vectors: Lucene's HNSW graph
 * over vectors of one signed byte per dimension, each with its entry's id, scope and valid_until,
 * searched within the scopes a caller may read among the entries not expired (Lucene searches the
 * graph with that filter, or every vector of the filter exactly when it holds few). The search's
 * statement checks expiry again, at its own time: the filter here keeps expired entries from taking
 * the places of the nearest ones. The files live in a folder of their own under
 * {@code parent} (memory-mapped, so the vectors stay out of the Java heap) that is deleted on close;
 * a folder left behind by a process that died is deleted by the next one. PostgreSQL holds the
 * vectors; this index is rebuilt from it and can always be thrown away.
 */
final class VectorIndex implements AutoCloseable {
    private static final String KEY = "key";
    private static final String ID = "id";
    private static final String SCOPE = "scope";
    /** valid_until in microseconds since the epoch (PostgreSQL's precision); {@link Long#MAX_VALUE}: never. */
    private static final String VALID_UNTIL = "valid_until";
    private static final String VECTOR = "vector";
    private static final String FOLDER_PREFIX = "kaizen-vectors-";
    private static final String LOCK_FILE = "owner.lock";
    /** Candidates the graph search keeps per neighbour asked for (HNSW's breadth of search, "ef"). */
    private static final int SEARCH_BREADTH = 4;

    /** A nearest entry and the cosine of its vector with the query's. */
    record Neighbour(long id, double cosine) {
    }

    private final Path folder;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final MMapDirectory directory;
    private final IndexWriter writer;
    private final SearcherManager searchers;
    private final float range;

    /**
     * An empty index for unit vectors quantized with {@code range} (the largest magnitude a component
     * may have: bytes are {@code round(x * 127 / range)}), in a new folder under {@code parent}.
     */
    VectorIndex(Path parent, float range) {
        this.range = range;
        try {
            Files.createDirectories(parent);
            deleteAbandoned(parent);
            this.folder = Files.createTempDirectory(parent, FOLDER_PREFIX);
            this.lockChannel = FileChannel.open(folder.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            this.lock = lockChannel.lock();
            this.directory = new MMapDirectory(folder.resolve("index"));
            IndexWriterConfig config = new IndexWriterConfig();
            config.setRAMBufferSizeMB(32);
            // merges rebuild HNSW graphs: one at a time, on one thread, so they cannot take every core
            ConcurrentMergeScheduler merges = new ConcurrentMergeScheduler();
            merges.setMaxMergesAndThreads(2, 1);
            config.setMergeScheduler(merges);
            this.writer = new IndexWriter(directory, config);
            this.searchers = new SearcherManager(writer, null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the vector index under " + parent + ": " + e.getMessage(), e);
        }
    }

    /**
     * Adds the entry's vector, or replaces the one it had (its scope or valid_until may have changed
     * too); {@code validUntil} null: it does not expire.
     */
    void put(long id, long scopeId, Instant validUntil, byte[] vector) {
        Document document = new Document();
        document.add(new StringField(KEY, Long.toString(id), Field.Store.NO));
        document.add(new StoredField(ID, id));
        document.add(new LongField(SCOPE, scopeId, Field.Store.NO));
        document.add(new LongField(VALID_UNTIL, micros(validUntil), Field.Store.NO));
        document.add(new KnnByteVectorField(VECTOR, vector, VectorSimilarityFunction.DOT_PRODUCT));
        try {
            writer.updateDocument(new Term(KEY, Long.toString(id)), document);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Forgets the entry (deleted, or without a current vector). */
    void remove(long id) {
        try {
            writer.deleteDocuments(new Term(KEY, Long.toString(id)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Makes what was put and removed so far visible to searches. */
    void refresh() {
        try {
            searchers.maybeRefreshBlocking();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Entries searches see. */
    int size() {
        try {
            IndexSearcher searcher = searchers.acquire();
            try {
                return searcher.getIndexReader().numDocs();
            } finally {
                searchers.release(searcher);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The {@code count} entries of the given scopes, not expired at {@code now}, whose vectors are
     * nearest to {@code query}, nearest first.
     */
    List<Neighbour> nearest(byte[] query, long[] scopeIds, Instant now, int count) {
        try {
            IndexSearcher searcher = searchers.acquire();
            try {
                BooleanQuery filter = new BooleanQuery.Builder()
                        .add(LongField.newSetQuery(SCOPE, scopeIds), BooleanClause.Occur.FILTER)
                        // expired: valid_until at or before now, as knowledge_expired() says in SQL
                        .add(LongField.newRangeQuery(VALID_UNTIL, micros(now) + 1, Long.MAX_VALUE), BooleanClause.Occur.FILTER)
                        .build();
                // the graph is searched for more candidates than asked for, so that the nearest are not missed
                TopDocs top = searcher.search(new KnnByteVectorQuery(VECTOR, query, count * SEARCH_BREADTH, filter), count);
                List<Neighbour> neighbours = new ArrayList<>(top.scoreDocs.length);
                var stored = searcher.storedFields();
                for (ScoreDoc hit : top.scoreDocs) {
                    long id = stored.document(hit.doc).getField(ID).numericValue().longValue();
                    neighbours.add(new Neighbour(id, cosine(hit.score)));
                }
                return neighbours;
            } finally {
                searchers.release(searcher);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The cosine behind a score of Lucene's DOT_PRODUCT on bytes, which is
     * {@code 0.5 + dot / (dimensions * 2^15)}; the dot product of two quantized unit vectors is
     * their cosine times {@code (127 / range)^2}.
     */
    double cosine(float score) {
        double dot = (score - 0.5) * dimensionsTimes2To15();
        double scale = 127 / range;
        return dot / (scale * scale);
    }

    /** A time as the index keeps it: microseconds since the epoch; null (no valid_until) as never. */
    private static long micros(Instant time) {
        if (time == null) {
            return Long.MAX_VALUE;
        }
        try {
            return Math.addExact(Math.multiplyExact(time.getEpochSecond(), 1_000_000L), time.getNano() / 1_000);
        } catch (ArithmeticException beyond) {
            return time.isBefore(Instant.EPOCH) ? Long.MIN_VALUE : Long.MAX_VALUE - 1;
        }
    }

    private static double dimensionsTimes2To15() {
        return dev.kaizen.embedding.EmbeddingModel.DIMENSIONS * (double) (1 << 15);
    }

    /** Deletes the folders of indexes whose process is gone: nobody holds their lock file. */
    private static void deleteAbandoned(Path parent) throws IOException {
        try (Stream<Path> folders = Files.list(parent)) {
            for (Path folder : folders.filter(path -> path.getFileName().toString().startsWith(FOLDER_PREFIX)).toList()) {
                Path lockFile = folder.resolve(LOCK_FILE);
                boolean abandoned;
                try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
                    FileLock probe = channel.tryLock();
                    abandoned = probe != null;
                    if (probe != null) {
                        probe.release();
                    }
                } catch (OverlappingFileLockException | IOException e) {
                    // held in this process, or no lock file yet: in use (or being made); leave it
                    abandoned = false;
                }
                if (abandoned) {
                    deleteRecursively(folder);
                }
            }
        }
    }

    private static void deleteRecursively(Path folder) {
        try (Stream<Path> paths = Files.walk(folder)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            // another process may be deleting it too; whatever is left goes next time
        }
    }

    @Override
    public void close() {
        try {
            searchers.close();
            writer.rollback();
            directory.close();
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            // closing: the folder goes below either way
        }
        deleteRecursively(folder);
    }
}
