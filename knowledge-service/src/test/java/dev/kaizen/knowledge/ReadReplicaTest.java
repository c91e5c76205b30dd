package dev.kaizen.knowledge;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.kaizen.stack.Await;
import dev.kaizen.api.v1.CreateNamespaceRequest;
import dev.kaizen.api.v1.GetKnowledgeRequest;
import dev.kaizen.api.v1.GetTaskContextRequest;
import dev.kaizen.api.v1.GetTaskContextResponse;
import dev.kaizen.api.v1.KnowledgeServiceGrpc;
import dev.kaizen.api.v1.NamespaceServiceGrpc;
import dev.kaizen.api.v1.WriteKnowledgeRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code db.read.url} (DB_READ_URL) against a real streaming standby of the embedded PostgreSQL 17,
 * whose replay is held back 30 ms per commit, so that a read on it right after a write would miss
 * the write: searches and reads by id run there, writes on the primary (both servers log every
 * statement, which shows where each ran); a caller reads its own writes, also eight at once; a
 * standby that stops, comes back, or lags past {@code db.read.max-lag} is left out and taken back.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReadReplicaTest {
    private static final Duration APPLY_DELAY = Duration.ofMillis(30);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static StreamingStandby databases;
    private static KnowledgeServer server;
    private static ManagedChannel channel;
    private static final String NAMESPACE = "replicated";

    @BeforeAll
    static void start() throws Exception {
        Path folder = Path.of("target", "read-replica-" + System.nanoTime()).toAbsolutePath();
        databases = StreamingStandby.start(folder, "kaizen", APPLY_DELAY);
        server = KnowledgeServer.start(KnowledgeServer.config(Map.of(
                "server.host", "127.0.0.1",
                "server.port", "0",
                "admin.port", "0",
                "db.url", databases.primaryUrl("kaizen"),
                "db.user", "postgres",
                "db.read.url", databases.standbyUrl("kaizen"),
                // room for a standby slowed by a busy machine; test 5 pauses replay to go past it
                "db.read.max-lag", "PT2S",
                "db.read.check-interval", "PT0.2S",
                "shutdown.grace", "PT1S")));
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
        namespaces().createNamespace(CreateNamespaceRequest.newBuilder().setName(NAMESPACE).setDescription("Replicated").build());
        awaitUsable(true);
    }

    @AfterAll
    static void stop() throws Exception {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (server != null) {
            server.stop();
        }
        if (databases != null) {
            databases.close();
        }
    }

    @Test
    @Order(1)
    void searchesAndReadsByIdRunOnTheStandbyAndWritesOnThePrimary() throws Exception {
        long primaryFrom = Files.size(databases.primaryLog);
        long standbyFrom = Files.size(databases.standbyLog);
        String word = "zyqwarble";
        long id = write(word + " is what the standby must find.", "standby");
        assertEquals(List.of(id), search(word));
        assertEquals(id, knowledge().getKnowledge(GetKnowledgeRequest.newBuilder().addIds(id).build()).getEntries(0).getId());

        String primary = since(databases.primaryLog, primaryFrom);
        String standby = since(databases.standbyLog, standbyFrom);
        // the write, on the primary
        assertTrue(primary.contains("INSERT INTO knowledge"), primary);
        assertFalse(standby.contains("INSERT INTO knowledge"), standby);
        // the search (its query word a parameter) and the read by id, on the standby, not the primary
        assertTrue(statementWithParameter(standby, "by_words AS", word), standby);
        assertFalse(statementWithParameter(primary, "by_words AS", word), primary);
        assertTrue(standby.contains("WHERE k.id = ANY ($1)"), standby);
        assertFalse(primary.contains("WHERE k.id = ANY ($1)"), primary);
        // what the read waited for: the primary's position, asked on the primary
        assertTrue(primary.contains("pg_current_wal_insert_lsn()"), primary);
    }

    @Test
    @Order(2)
    void theStandbyReallyIsBehindRightAfterAWrite() throws Exception {
        // The standby holds each commit back APPLY_DELAY; a busy machine can take that long between the
        // write and the look, so the look is made on a connection opened before, and up to five writes
        // are tried: one seen missing shows that reads there need the barrier.
        try (Connection standby = DriverManager.getConnection(databases.standbyUrl("kaizen"), "postgres", "");
             Statement statement = standby.createStatement()) {
            List<Long> seen = new java.util.ArrayList<>();
            long missing = 0;
            for (int i = 0; i < 5 && missing == 0; i++) {
                long id = write("lagmarker" + i + " is written and read at once.", "lag");
                try (ResultSet found = statement.executeQuery("SELECT count(*) FROM knowledge WHERE id = " + id)) {
                    found.next();
                    if (found.getInt(1) == 0) {
                        missing = id;
                    } else {
                        seen.add(id);
                    }
                }
            }
            assertTrue(missing != 0, "the standby had each write at once: " + seen);
            assertEquals(List.of(missing), search("lagmarker" + seen.size()), "through the service, the caller reads its write");
        }
    }

    @Test
    @Order(3)
    void eightConcurrentClientsAlwaysReadTheirOwnWrites() throws Exception {
        double replicaBefore = reads("replica");
        ExecutorService clients = Executors.newFixedThreadPool(8);
        AtomicInteger checked = new AtomicInteger();
        List<Future<?>> done = new ArrayList<>();
        for (int client = 0; client < 8; client++) {
            int c = client;
            done.add(clients.submit((Callable<Void>) () -> {
                for (int i = 0; i < 15; i++) {
                    String word = "ryw" + c + "x" + i + "q";
                    long id = write(word + " belongs to client " + c + ".", "client");
                    // at once: by id, and by search
                    assertEquals(id, knowledge().getKnowledge(GetKnowledgeRequest.newBuilder().addIds(id).build())
                            .getEntries(0).getId());
                    assertEquals(List.of(id), search(word), word);
                    checked.incrementAndGet();
                }
                return null;
            }));
        }
        for (Future<?> future : done) {
            future.get(5, TimeUnit.MINUTES);
        }
        clients.shutdown();
        assertEquals(120, checked.get());
        double onReplica = reads("replica") - replicaBefore;
        assertTrue(onReplica >= 200, "most of the 240 reads ran on the standby: " + onReplica);
    }

    @Test
    @Order(4)
    void whenTheStandbyStopsReadsGoToThePrimaryAndComeBackWithIt() throws Exception {
        databases.stopStandby();
        double primaryBefore = reads("primary");
        long id = write("standbydown is read while the standby is stopped.", "down");
        assertEquals(List.of(id), search("standbydown"));
        assertEquals(List.of(id), search("standbydown"));
        assertTrue(reads("primary") - primaryBefore >= 2, () -> "the reads ran on the primary: " + primaryBefore + "\n" + metricsQuietly());
        awaitUsable(false);

        databases.startStandby();
        awaitUsable(true);
        long standbyFrom = Files.size(databases.standbyLog);
        double replicaBefore = reads("replica");
        long again = write("standbyback is read once the standby is back.", "back");
        assertEquals(List.of(again), search("standbyback"));
        assertTrue(reads("replica") - replicaBefore >= 1, "the read ran on the standby again");
        assertTrue(statementWithParameter(since(databases.standbyLog, standbyFrom), "ancestor", "standbyback"));
    }

    @Test
    @Order(5)
    void aStandbyThatLagsPastTheLimitIsLeftOutUntilItCatchesUp() throws Exception {
        databases.onStandby("SELECT pg_wal_replay_pause()");
        try {
            long id = write("pausedreplay is written while replay is paused.", "paused");
            long start = System.nanoTime();
            assertEquals(List.of(id), search("pausedreplay"), "the primary answers");
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(3));
            awaitUsable(false);
            // left out: the next reads do not wait for it
            double lagged = reads("primary");
            start = System.nanoTime();
            search("pausedreplay");
            assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(400), "no wait for a standby left out");
            assertTrue(reads("primary") > lagged);
        } finally {
            databases.onStandby("SELECT pg_wal_replay_resume()");
        }
        awaitUsable(true);
    }

    private static long write(String content, String context) {
        return knowledge().writeKnowledge(WriteKnowledgeRequest.newBuilder().setScope(NAMESPACE + ":default")
                .setContent(content).setContext(context).build()).getId();
    }

    private static List<Long> search(String query) {
        GetTaskContextResponse answer = knowledge().getTaskContext(GetTaskContextRequest.newBuilder()
                .setScope(NAMESPACE + ":default").addQueries(query).build());
        return answer.getEntriesList().stream().map(entry -> entry.getId()).toList();
    }

    private static KnowledgeServiceGrpc.KnowledgeServiceBlockingStub knowledge() {
        return KnowledgeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private static NamespaceServiceGrpc.NamespaceServiceBlockingStub namespaces() {
        return NamespaceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    /** Whether the log has the statement holding {@code marker} followed by its parameters holding {@code value}. */
    private static boolean statementWithParameter(String log, String marker, String value) {
        int at = 0;
        while ((at = log.indexOf("execute ", at)) >= 0) {
            int next = log.indexOf("execute ", at + 8);
            String statement = log.substring(at, next < 0 ? log.length() : next);
            if (statement.contains(marker) && statement.contains("Parameters:") && statement.contains(value)) {
                return true;
            }
            at += 8;
        }
        return false;
    }

    private static String since(Path log, long offset) throws Exception {
        String all = Files.readString(log);
        return all.substring((int) Math.min(offset, all.length()));
    }

    /** kaizen_db_reads_total{target} summed over its reasons, from the admin port's Prometheus metrics. */
    private static double reads(String target) throws Exception {
        double sum = 0;
        Matcher line = Pattern.compile("(?m)^kaizen_db_reads_total\\{([^}]*)\\} ([0-9.eE+-]+)").matcher(metrics());
        while (line.find()) {
            if (line.group(1).contains("target=\"" + target + "\"")) {
                sum += Double.parseDouble(line.group(2));
            }
        }
        return sum;
    }

    private static void awaitUsable(boolean usable) {
        String expected = usable ? "1.0" : "0.0";
        Await.until("the replica is " + (usable ? "taken back" : "left out"), Duration.ofSeconds(30), () -> {
            try {
                Matcher gauge = Pattern.compile("(?m)^kaizen_db_replica_usable(\\{[^}]*\\})? ([0-9.]+)").matcher(metrics());
                return gauge.find() && gauge.group(2).equals(expected);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, ReadReplicaTest::metricsQuietly);
    }

    private static String metricsQuietly() {
        try {
            return metrics().lines().filter(line -> line.contains("kaizen_db")).collect(java.util.stream.Collectors.joining("\n"));
        } catch (Exception e) {
            return e.toString();
        }
    }

    private static String metrics() throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.adminPort() + "/observe/metrics"))
                .header("Accept", "text/plain").build(), HttpResponse.BodyHandlers.ofString()).body();
    }
}
