package dev.kaizen.launcher;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

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
import dev.kaizen.stack.PostgresServer;
import dev.kaizen.stack.ServiceProcess;
import dev.kaizen.stack.Stack;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;

/**
 * The benchmark on the shared workload, through real clients on loopback against knowledge-service
 * and mcp-gateway (each in a process of its own, started from its packaged jar) and a real PostgreSQL 17 with
 * durable settings (fsync, synchronous_commit and full_page_writes on): WriteKnowledge at 1k and 100k entries and GetTaskContext
 * (the query pool's 3-query searches on bench:default) at 100k over gRPC; write_knowledge and
 * get_task_context over MCP (Streamable HTTP, the Java SDK's client), one client and 8 concurrent
 * clients; and, as the floor, the service's own write statement over raw JDBC with 8 connections.
 */
final class Benchmark {
    private static final int IMPORT_BATCH = 1000;
    private static final int WARMUP = 200;
    private static final int CLIENTS = 8;

    private final Workload workload;
    private final PostgresServer postgres;
    private final Stack stack;
    private final String databaseUrl;
    private final List<Stats> results = new ArrayList<>();
    private ManagedChannel channel;
    private KnowledgeServiceGrpc.KnowledgeServiceBlockingStub knowledge;

    private Benchmark(Workload workload, PostgresServer postgres, Path work) {
        this.workload = workload;
        this.postgres = postgres;
        // each service in a process of its own, started as its image starts it; clients in this one
        this.stack = Stack.builder("bench").postgres(postgres, "kaizen_bench").logs(work.resolve("logs")).start();
        this.databaseUrl = stack.databaseUrl();
    }

    static void run(Path workloadDirectory, Path workDirectory) throws Exception {
        Workload workload = Workload.load(workloadDirectory, workDirectory);
        Path data = workDirectory.resolve("postgres");
        deleteRecursively(data);
        try (PostgresServer postgres = PostgresServer.durable(data, ServiceProcess.freePort(),
                workDirectory.resolve("logs/postgres.log"))) {
            System.out.println("PostgreSQL: " + postgres + "; " + Runtime.getRuntime().availableProcessors() + " cores");
            new Benchmark(workload, postgres, workDirectory).run();
        }
    }

    private static void deleteRecursively(Path folder) throws java.io.IOException {
        if (java.nio.file.Files.exists(folder)) {
            try (var paths = java.nio.file.Files.walk(folder)) {
                for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    java.nio.file.Files.delete(path);
                }
            }
        }
    }

    private void run() throws Exception {
        channel = ManagedChannelBuilder.forTarget(stack.grpcTarget()).usePlaintext().build();
        knowledge = KnowledgeServiceGrpc.newBlockingStub(channel);
        List<McpSyncClient> mcp = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            mcp.add(mcpClient());
        }
        try {
            createScopes();
            importCorpus(0, 1_000);
            warmUp(mcp);
            List<Workload.Entry> firstHalf = workload.inserts().subList(0, 500);
            List<Workload.Entry> secondHalf = workload.inserts().subList(500, 1_000);
            List<List<String>> queries = workload.queries();

            measure("WriteKnowledge at 1k (gRPC, 1 client)", 1, firstHalf.size(),
                    (client, i) -> grpcWrite(firstHalf.get(i)));
            importCorpus(1_000, workload.corpus().size());
            analyze();
            Stats grpcWrite = measure("WriteKnowledge at 100k (gRPC, 1 client)", 1, secondHalf.size(),
                    (client, i) -> grpcWrite(secondHalf.get(i)));
            Stats grpcSearch = measure("GetTaskContext at 100k (gRPC, 1 client)", 1, queries.size(),
                    (client, i) -> grpcSearch(queries.get(i)));
            measure("write_knowledge at 100k (MCP, 1 client)", 1, secondHalf.size(),
                    (client, i) -> mcpWrite(mcp.get(client), secondHalf.get(i)));
            Stats mcpSearch = measure("get_task_context at 100k (MCP, 1 client)", 1, queries.size(),
                    (client, i) -> mcpSearch(mcp.get(client), queries.get(i)));
            Stats jdbcWrites = jdbcWrites("write statement at 100k (raw JDBC, 8 connections)", secondHalf);
            Stats grpcWrites = measure("WriteKnowledge at 100k (gRPC, 8 clients)", CLIENTS, secondHalf.size(),
                    (client, i) -> grpcWrite(secondHalf.get(i)));
            Stats mcpWrites = measure("write_knowledge at 100k (MCP, 8 clients)", CLIENTS, secondHalf.size(),
                    (client, i) -> mcpWrite(mcp.get(client), secondHalf.get(i)));
            measure("GetTaskContext at 100k (gRPC, 8 clients)", CLIENTS, queries.size(),
                    (client, i) -> grpcSearch(queries.get(i)));
            measure("get_task_context at 100k (MCP, 8 clients)", CLIENTS, queries.size(),
                    (client, i) -> mcpSearch(mcp.get(client), queries.get(i)));
            report(grpcWrite, grpcSearch, mcpSearch, jdbcWrites, grpcWrites, mcpWrites);
        } finally {
            mcp.forEach(McpSyncClient::closeGracefully);
            channel.shutdownNow();
            stack.close();
        }
    }

    private McpSyncClient mcpClient() {
        McpSyncClient client = McpClient.sync(HttpClientStreamableHttpTransport.builder("http://127.0.0.1:" + stack.gateway().port())
                        .endpoint("/mcp").build())
                .requestTimeout(Duration.ofSeconds(30)).build();
        client.initialize();
        return client;
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
            statement.execute("VACUUM ANALYZE knowledge_text");
        }
    }

    /**
     * Warms the JIT of clients, gateway and service and the pools with every measured call, in a
     * throwaway namespace, so the first measurement is not the one that pays for compilation.
     */
    private void warmUp(List<McpSyncClient> mcp) throws Exception {
        NamespaceServiceGrpc.NamespaceServiceBlockingStub namespaces = NamespaceServiceGrpc.newBlockingStub(channel);
        namespaces.createNamespace(CreateNamespaceRequest.newBuilder().setName("warmup").setDescription("Warm-up").build());
        List<Workload.Entry> entries = workload.inserts().stream()
                .map(entry -> new Workload.Entry("warmup:default", entry.content(), entry.context(), entry.taskSize()))
                .toList();
        List<List<String>> queries = workload.queries().subList(0, WARMUP);
        for (int clients : List.of(1, CLIENTS)) {
            run(clients, entries.size(), (client, i) -> grpcWrite(entries.get(i)));
            run(clients, entries.size(), (client, i) -> mcpWrite(mcp.get(client), entries.get(i)));
            run(clients, queries.size(), (client, i) -> grpcSearch(queries.get(i)));
            run(clients, queries.size(), (client, i) -> mcpSearch(mcp.get(client), queries.get(i)));
        }
        namespaces.deleteNamespace(DeleteNamespaceRequest.newBuilder().setName("warmup").build());
    }

    private void grpcWrite(Workload.Entry entry) {
        knowledge.withDeadlineAfter(10, TimeUnit.SECONDS).writeKnowledge(write(entry, entry.scope()));
    }

    private void grpcSearch(List<String> queries) {
        knowledge.withDeadlineAfter(10, TimeUnit.SECONDS).getTaskContext(GetTaskContextRequest.newBuilder()
                .setScope("bench:default").addAllQueries(queries).build());
    }

    private static void mcpWrite(McpSyncClient mcp, Workload.Entry entry) {
        Map<String, Object> arguments = new java.util.HashMap<>(Map.of("scope", entry.scope(), "content", entry.content(),
                "context", entry.context()));
        if (entry.taskSize() != null) {
            arguments.put("task_size", entry.taskSize());
        }
        check(mcp.callTool(McpSchema.CallToolRequest.builder("write_knowledge").arguments(arguments).build()));
    }

    private static void mcpSearch(McpSyncClient mcp, List<String> queries) {
        check(mcp.callTool(McpSchema.CallToolRequest.builder("get_task_context")
                .arguments(Map.of("queries", queries, "scope", "bench:default")).build()));
    }

    private static void check(McpSchema.CallToolResult result) {
        if (Boolean.TRUE.equals(result.isError())) {
            throw new IllegalStateException("tool call failed: " + result.content());
        }
    }

    @FunctionalInterface
    private interface Call {
        void run(int client, int item) throws Exception;
    }

    /** Measures {@code count} calls spread over {@code clients} concurrent clients, and records the figures. */
    private Stats measure(String name, int clients, int count, Call call) throws Exception {
        long wall = System.nanoTime();
        List<Long> nanos = run(clients, count, call);
        Stats stats = Stats.of(name, nanos, System.nanoTime() - wall);
        results.add(stats);
        System.out.println(stats.row());
        return stats;
    }

    /** Runs {@code count} calls spread over {@code clients} concurrent clients; returns every call's latency. */
    private static List<Long> run(int clients, int count, Call call) throws Exception {
        List<Long> nanos = Collections.synchronizedList(new ArrayList<>(count));
        AtomicInteger next = new AtomicInteger();
        try (ExecutorService pool = Executors.newFixedThreadPool(clients)) {
            List<Future<?>> workers = new ArrayList<>();
            for (int client = 0; client < clients; client++) {
                int me = client;
                workers.add(pool.submit(() -> {
                    for (int item = next.getAndIncrement(); item < count; item = next.getAndIncrement()) {
                        long start = System.nanoTime();
                        call.run(me, item);
                        nanos.add(System.nanoTime() - start);
                    }
                    return null;
                }));
            }
            for (Future<?> worker : workers) {
                worker.get();
            }
        }
        return nanos;
    }

    /** The floor: the statement knowledge-service runs for a write, over plain JDBC, 8 connections. */
    private Stats jdbcWrites(String name, List<Workload.Entry> entries) throws Exception {
        String sql = """
                WITH entry AS (
                    INSERT INTO knowledge (scope_id, task_size, suppressed, created_at, updated_at, search_vector)
                    SELECT s.id, ?::task_size, false, now(), now(), knowledge_search_vector(?, ?)
                    FROM qualified_scope s WHERE s.namespace = 'bench' AND s.name = 'default'
                    RETURNING id)
                INSERT INTO knowledge_text (knowledge_id, context, content)
                SELECT id, ?, ? FROM entry
                RETURNING knowledge_id""";
        List<Connection> connections = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            connections.add(DriverManager.getConnection(databaseUrl, postgres.user(), postgres.password()));
        }
        try {
            return measure(name, CLIENTS, entries.size(), (client, i) -> {
                Workload.Entry entry = entries.get(i);
                try (PreparedStatement insert = connections.get(client).prepareStatement(sql)) {
                    insert.setString(1, entry.taskSize());
                    insert.setString(2, entry.context());
                    insert.setString(3, entry.content());
                    insert.setString(4, entry.context());
                    insert.setString(5, entry.content());
                    try (ResultSet id = insert.executeQuery()) {
                        id.next();
                    }
                }
            });
        } finally {
            for (Connection connection : connections) {
                connection.close();
            }
        }
    }

    private static WriteKnowledgeRequest write(Workload.Entry entry, String scope) {
        return WriteKnowledgeRequest.newBuilder().setScope(scope).setContent(entry.content())
                .setContext(entry.context()).setTaskSize(taskSize(entry.taskSize())).build();
    }

    private static TaskSize taskSize(String size) {
        return size == null ? TaskSize.TASK_SIZE_UNSPECIFIED : TaskSize.valueOf("TASK_SIZE_" + size);
    }

    private void report(Stats grpcWrite, Stats grpcSearch, Stats mcpSearch, Stats jdbcWrites, Stats grpcWrites,
                        Stats mcpWrites) {
        System.out.println();
        System.out.println(Stats.header());
        results.forEach(stats -> System.out.println(stats.row()));
        System.out.println();
        System.out.printf("write(100k)/write(1k), gRPC medians:              %.2f   (target <= 1.3)%n",
                grpcWrite.p50Millis() / results.getFirst().p50Millis());
        System.out.printf("GetTaskContext p95 at 100k:                       %.1f ms   (target <= 40 ms)%n",
                grpcSearch.p95Millis());
        System.out.printf("MCP write_knowledge p50 at 100k, 8 clients:       %.1f ms   (target <= 5 ms)%n",
                mcpWrites.p50Millis());
        System.out.printf("MCP write throughput / raw JDBC (8 each):         %.2f   (target >= 0.5; gRPC: %.2f)%n",
                mcpWrites.perSecond() / jdbcWrites.perSecond(), grpcWrites.perSecond() / jdbcWrites.perSecond());
        System.out.printf("get_task_context p50 - GetTaskContext p50:        %.1f ms   (target <= 2 ms)%n",
                mcpSearch.p50Millis() - grpcSearch.p50Millis());
    }
}
