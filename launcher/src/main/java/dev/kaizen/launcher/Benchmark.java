package dev.kaizen.launcher;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.kaizen.api.v1.CreateNamespaceRequest;
import dev.kaizen.api.v1.CreateScopeRequest;
import dev.kaizen.api.v1.DeleteNamespaceRequest;
import dev.kaizen.api.v1.GetTaskContextRequest;
import dev.kaizen.api.v1.ImportKnowledgeRequest;
import dev.kaizen.api.v1.KnowledgeEntry;
import dev.kaizen.api.v1.KnowledgeServiceGrpc;
import dev.kaizen.api.v1.NamespaceServiceGrpc;
import dev.kaizen.api.v1.ScopeServiceGrpc;
import dev.kaizen.api.v1.TaskSize;
import dev.kaizen.api.v1.WriteKnowledgeRequest;
import dev.kaizen.knowledge.KnowledgeServer;
import dev.kaizen.testing.PostgresServer;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;

/**
 * The benchmark on the shared workload: WriteKnowledge at 1k and 100k entries, GetTaskContext (the
 * query pool's 3-query searches on bench:default) at 100k, through a real gRPC client against
 * knowledge-service on loopback and a real PostgreSQL 17. Prints medians, p95s and the
 * write(100k)/write(1k) ratio.
 */
final class Benchmark {
    private static final int IMPORT_BATCH = 1000;
    private static final int WARMUP = 200;

    private final Workload workload;
    private final PostgresServer postgres;
    private final String databaseUrl;
    private ManagedChannel channel;
    private KnowledgeServiceGrpc.KnowledgeServiceBlockingStub knowledge;

    private Benchmark(Workload workload, PostgresServer postgres) {
        this.workload = workload;
        this.postgres = postgres;
        this.databaseUrl = postgres.createDatabase("kaizen_bench");
    }

    static void run(Path workloadDirectory, Path workDirectory) throws Exception {
        Workload workload = Workload.load(workloadDirectory, workDirectory);
        PostgresServer postgres = PostgresServer.shared();
        System.out.println("PostgreSQL: " + postgres + "; " + Runtime.getRuntime().availableProcessors() + " cores");
        new Benchmark(workload, postgres).run();
    }

    private void run() throws Exception {
        KnowledgeServer server = KnowledgeServer.start(Configs.knowledgeService(databaseUrl, postgres.user(),
                postgres.password(), 0, 0));
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
        knowledge = KnowledgeServiceGrpc.newBlockingStub(channel);
        try {
            createScopes();
            List<Stats> results = new ArrayList<>();
            importCorpus(0, 1_000);
            warmUpWrites();
            results.add(writes("WriteKnowledge at 1k entries (gRPC)", workload.inserts().subList(0, 500)));
            importCorpus(1_000, workload.corpus().size());
            analyze();
            results.add(writes("WriteKnowledge at 100k entries (gRPC)", workload.inserts().subList(500, 1_000)));
            results.add(searches("GetTaskContext at 100k, 3 queries, bench:default (gRPC)"));
            report(results);
        } finally {
            channel.shutdownNow();
            server.stop();
        }
    }

    private void createScopes() {
        NamespaceServiceGrpc.newBlockingStub(channel).createNamespace(CreateNamespaceRequest.newBuilder()
                .setName("bench").setDescription("Benchmark namespace").build());
        for (String scope : List.of("api", "db", "ui")) {
            ScopeServiceGrpc.newBlockingStub(channel).createScope(CreateScopeRequest.newBuilder()
                    .setScope("bench:" + scope).setDescription("Benchmark " + scope).build());
        }
    }

    private void importCorpus(int from, int to) {
        long start = System.nanoTime();
        for (int batch = from; batch < to; batch += IMPORT_BATCH) {
            ImportKnowledgeRequest.Builder request = ImportKnowledgeRequest.newBuilder();
            for (Workload.Entry entry : workload.corpus().subList(batch, Math.min(to, batch + IMPORT_BATCH))) {
                request.addEntries(KnowledgeEntry.newBuilder().setScope(entry.scope()).setContent(entry.content())
                        .setContext(entry.context()).setTaskSize(taskSize(entry.taskSize())));
            }
            knowledge.withDeadlineAfter(5, TimeUnit.MINUTES).importKnowledge(request.build());
        }
        System.out.printf("Loaded corpus entries %d-%d through ImportKnowledge in %.1f s%n", from + 1, to,
                (System.nanoTime() - start) / 1e9);
    }

    /** Lets autovacuum's work happen now rather than in the middle of a measurement. */
    private void analyze() throws Exception {
        try (Connection connection = DriverManager.getConnection(databaseUrl, postgres.user(), postgres.password());
             Statement statement = connection.createStatement()) {
            statement.execute("VACUUM ANALYZE knowledge");
        }
    }

    private void warmUpWrites() {
        NamespaceServiceGrpc.NamespaceServiceBlockingStub namespaces = NamespaceServiceGrpc.newBlockingStub(channel);
        namespaces.createNamespace(CreateNamespaceRequest.newBuilder().setName("warmup").setDescription("Warm-up").build());
        for (Workload.Entry entry : workload.inserts().subList(0, WARMUP)) {
            knowledge.writeKnowledge(write(entry, "warmup:default"));
        }
        namespaces.deleteNamespace(DeleteNamespaceRequest.newBuilder().setName("warmup").build());
    }

    private Stats writes(String name, List<Workload.Entry> entries) {
        List<Long> nanos = new ArrayList<>(entries.size());
        long wall = System.nanoTime();
        for (Workload.Entry entry : entries) {
            long start = System.nanoTime();
            knowledge.withDeadlineAfter(10, TimeUnit.SECONDS).writeKnowledge(write(entry, entry.scope()));
            nanos.add(System.nanoTime() - start);
        }
        return Stats.of(name, nanos, System.nanoTime() - wall);
    }

    private Stats searches(String name) {
        List<List<String>> queries = workload.queries();
        for (List<String> query : queries.subList(0, WARMUP)) {
            knowledge.getTaskContext(search(query));
        }
        List<Long> nanos = new ArrayList<>(queries.size());
        long wall = System.nanoTime();
        for (List<String> query : queries) {
            long start = System.nanoTime();
            knowledge.withDeadlineAfter(10, TimeUnit.SECONDS).getTaskContext(search(query));
            nanos.add(System.nanoTime() - start);
        }
        return Stats.of(name, nanos, System.nanoTime() - wall);
    }

    private static WriteKnowledgeRequest write(Workload.Entry entry, String scope) {
        return WriteKnowledgeRequest.newBuilder().setScope(scope).setContent(entry.content())
                .setContext(entry.context()).setTaskSize(taskSize(entry.taskSize())).build();
    }

    private static GetTaskContextRequest search(List<String> queries) {
        return GetTaskContextRequest.newBuilder().setScope("bench:default").addAllQueries(queries).build();
    }

    private static TaskSize taskSize(String size) {
        return size == null ? TaskSize.TASK_SIZE_UNSPECIFIED : TaskSize.valueOf("TASK_SIZE_" + size);
    }

    private static void report(List<Stats> results) {
        System.out.println();
        System.out.println(Stats.header());
        results.forEach(stats -> System.out.println(stats.row()));
        Map<String, Stats> byName = new java.util.LinkedHashMap<>();
        results.forEach(stats -> byName.put(stats.name(), stats));
        double ratio = results.get(1).p50Millis() / results.get(0).p50Millis();
        System.out.println();
        System.out.printf("write(100k)/write(1k), medians: %.2f (target <= 1.3)%n", ratio);
        System.out.printf("GetTaskContext p95 at 100k: %.2f ms (target <= 40 ms)%n", results.get(2).p95Millis());
    }
}
