package dev.kaizen.knowledge;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.google.protobuf.Timestamp;
import dev.kaizen.stack.Await;
import dev.kaizen.api.v1.DeleteKnowledgeRequest;
import dev.kaizen.api.v1.UpdateKnowledgeRequest;
import dev.kaizen.stack.PostgresServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The vector index follows PostgreSQL without missing a change: a vector stored by a transaction
 * that commits after a later one is still taken in; moves, deletions and valid_until reach it; an index built
 * from scratch holds what was stored before it started. Vectors are written here directly, as the
 * embedding workers write them (no model needed).
 */
class VectorFeedTest extends ServiceTest {
    private static final Duration WITHIN = Duration.ofSeconds(20);
    private static final String MODEL = "test-model";
    private static final float RANGE = 0.5f;
    private static String jdbcUrl;
    private static PostgresServer postgres;
    private static Database database;
    private static Path folder;

    @BeforeAll
    static void startService(TestInfo info) {
        postgres = PostgresServer.shared();
        jdbcUrl = postgres.createDatabase(info.getTestClass().orElseThrow().getSimpleName());
        service = RunningService.start(jdbcUrl, postgres, Map.of());
        Map<String, String> db = new HashMap<>(Map.of("db.url", jdbcUrl, "db.user", postgres.user(),
                "db.password", postgres.password()));
        database = Database.connect(KnowledgeServer.config(db).get("db"));
        try {
            folder = Files.createTempDirectory("vector-feed-test");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterAll
    static void closeDatabase() {
        database.close();
    }

    @Test
    void aChangeCommittedLateIsNotMissedAndMovesAndDeletionsFollow() throws Exception {
        String ns = namespace();
        createScope(ns + ":other");
        long early = write(ns + ":default", "Early.", "early");
        long late = write(ns + ":default", "Late.", "late");
        try (VectorIndex index = new VectorIndex(folder, RANGE);
             VectorFeed feed = new VectorFeed(database, index, MODEL, Duration.ofMillis(50)).start();
             Connection slow = DriverManager.getConnection(jdbcUrl, postgres.user(), postgres.password())) {
            Await.until("the index has loaded", WITHIN, () -> feed.state() == VectorFeed.State.READY);
            // a transaction stores a vector and stays open while a later one stores another and commits
            slow.setAutoCommit(false);
            storeVector(slow, early, 1);
            try (Connection quick = DriverManager.getConnection(jdbcUrl, postgres.user(), postgres.password())) {
                storeVector(quick, late, 2);
            }
            Await.until("the committed vector is in the index at once", WITHIN, () -> index.size() == 1);
            Await.holds("nothing uncommitted is read", Duration.ofMillis(300), () -> index.size() == 1);
            slow.commit();
            Await.until("the vector committed late is not missed", WITHIN, () -> index.size() == 2);

            long[] home = {scopeId(ns + ":default")};
            assertEquals(List.of(early, late), index.nearest(vector(1), home, Instant.now(), 10).stream()
                    .map(VectorIndex.Neighbour::id).toList());
            assertEquals(1.0, index.nearest(vector(1), home, Instant.now(), 1).getFirst().cosine(), 0.02,
                    "the cosine of a vector with itself");

            service.knowledge().updateKnowledge(UpdateKnowledgeRequest.newBuilder().setId(early).setScope(ns + ":other").build());
            long[] other = {scopeId(ns + ":other")};
            Await.until("a moved entry is found in its new scope", WITHIN, () -> index.nearest(vector(1), other,
                    Instant.now(), 10).stream().anyMatch(near -> near.id() == early));
            assertTrue(index.nearest(vector(1), home, Instant.now(), 10).stream().noneMatch(near -> near.id() == early));

            // a valid_until reaches the index, which then leaves the entry out from that time on
            Instant until = Instant.now().plus(Duration.ofDays(30)).truncatedTo(ChronoUnit.SECONDS);
            service.knowledge().updateKnowledge(UpdateKnowledgeRequest.newBuilder().setId(early)
                    .setValidUntil(Timestamp.newBuilder().setSeconds(until.getEpochSecond())).build());
            Await.until("an entry is left out once its valid_until has passed", WITHIN, () -> index.nearest(vector(1), other,
                    until, 10).stream().noneMatch(near -> near.id() == early));
            assertTrue(index.nearest(vector(1), other, until.minusNanos(1_000), 10).stream().anyMatch(near -> near.id() == early),
                    "and is found until then");
            service.knowledge().updateKnowledge(UpdateKnowledgeRequest.newBuilder().setId(early).setClearValidUntil(true)
                    .build());
            Await.until("an entry whose valid_until is removed is found again", WITHIN, () -> index.nearest(vector(1), other,
                    until, 10).stream().anyMatch(near -> near.id() == early));

            service.knowledge().deleteKnowledge(DeleteKnowledgeRequest.newBuilder().setId(late).build());
            Await.until("a deleted entry leaves the index", WITHIN, () -> index.size() == 1);
        }
        try (VectorIndex fresh = new VectorIndex(folder, RANGE);
             VectorFeed feed = new VectorFeed(database, fresh, MODEL, Duration.ofMillis(50)).start()) {
            Await.until("a new replica loads what is stored", WITHIN, () -> feed.state() == VectorFeed.State.READY && fresh.size() == 1);
        }
    }

    /** Stores a vector for the entry as the workers do: the trigger adds the change to the feed. */
    private static void storeVector(Connection connection, long id, int direction) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("""
                INSERT INTO knowledge_embedding (knowledge_id, model, vector, text_md5) VALUES (?, ?, ?, 'x')""")) {
            insert.setLong(1, id);
            insert.setString(2, MODEL);
            insert.setBytes(3, vector(direction));
            insert.executeUpdate();
        }
    }

    /** A unit vector of four components of 0.5 (the last one negative for direction 2), quantized as stored. */
    private static byte[] vector(int direction) {
        byte[] bytes = new byte[dev.kaizen.embedding.EmbeddingModel.DIMENSIONS];
        byte half = (byte) Math.round(0.5 * 127 / RANGE);
        bytes[0] = half;
        bytes[1] = half;
        bytes[2] = half;
        bytes[3] = direction == 1 ? half : (byte) -half;
        return bytes;
    }

    private static long scopeId(String scope) {
        String[] parts = scope.split(":");
        return service.sqlNumber("SELECT s.id FROM scope s JOIN namespace n ON n.id = s.namespace_id WHERE n.name = '"
                + parts[0] + "' AND s.name = '" + parts[1] + "'");
    }

}
