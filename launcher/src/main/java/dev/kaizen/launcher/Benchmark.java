package dev.kaizen.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import dev.kaizen.api.v1.CreateNamespaceRequest;
import dev.kaizen.api.v1.CreateScopeRequest;
import dev.kaizen.api.v1.ImportKnowledgeRequest;
import dev.kaizen.api.v1.KnowledgeEntry;
import dev.kaizen.api.v1.KnowledgeServiceGrpc;
import dev.kaizen.api.v1.NamespaceServiceGrpc;
import dev.kaizen.api.v1.ScopeServiceGrpc;
import dev.kaizen.api.v1.TaskSize;
import dev.kaizen.stack.PostgresServer;
import dev.kaizen.stack.ServiceProcess;
import dev.kaizen.stack.Stack;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;

/**
 * {@code ./kaizen bench}: the benchmark workloads through real clients against knowledge-service and
 * mcp-gateway, each in a process of its own started from its packaged jar, and a fresh embedded
 * PostgreSQL 17 with durable settings (fsync, synchronous_commit and full_page_writes on). The
 * clients, both services and PostgreSQL share the machine.
 * <ul>
 *     <li>{@code synthetic [--entries N]} ({@link SyntheticBenchmark}): writes and searches of the
 *     shared workload at 1k and N entries (100,000 by default).</li>
 *     <li>{@code debian} and {@code rules} ({@link KnownItemBenchmark}): search quality and speed on real
 *     text, [--rankings FOLDER] to keep every ranked answer, [--reuse] to search the corpus an earlier
 *     run loaded and embedded (after a change to the search, not to writes or embedding).</li>
 *     <li>{@code near-duplicates} ({@link NearDuplicateBenchmark}): the near-duplicates write_knowledge
 *     names on the Debian workload, and what the check costs a write.</li>
 *     <li>{@code footprint} ({@link Footprint}): the memory and start time of {@code ./kaizen run}.</li>
 * </ul>
 * Without arguments, all three, synthetic at 100,000 entries.
 */
final class Benchmark implements AutoCloseable {
    static final int CLIENTS = 8;
    private static final int IMPORT_BATCH = 500;

    /** PostgreSQL's data folder. */
    final Path data;
    final PostgresServer postgres;
    final Stack stack;
    final ManagedChannel channel;
    final KnowledgeServiceGrpc.KnowledgeServiceBlockingStub knowledge;
    final List<McpSyncClient> mcp = new ArrayList<>();
    private final List<Stats> results = new ArrayList<>();

    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread stopAtExit = new Thread(this::close, "benchmark-stop");

    private Benchmark(Path work) throws IOException {
        this(work, CLIENTS, Map.of(), Map.of());
    }

    /**
     * A fresh durable PostgreSQL in {@code work}, both services with the given environments, and
     * {@code clients} MCP clients. Interrupted (Ctrl-C), it stops what it started.
     */
    Benchmark(Path work, int clients, Map<String, String> serviceEnv, Map<String, String> gatewayEnv) throws IOException {
        this(work, clients, serviceEnv, gatewayEnv, false);
    }

    /** As above; with {@code reuse}, on the database an earlier run left in {@code work}, if there is one. */
    Benchmark(Path work, int clients, Map<String, String> serviceEnv, Map<String, String> gatewayEnv, boolean reuse)
            throws IOException {
        this.data = work.resolve("postgres");
        if (!reuse) {
            deleteRecursively(data);
        }
        this.postgres = PostgresServer.durable(data, ServiceProcess.freePort(), work.resolve("logs/postgres.log"));
        Runtime.getRuntime().addShutdownHook(stopAtExit);
        this.stack = Stack.builder("bench").postgres(postgres, "kaizen_bench").logs(work.resolve("logs"))
                .knowledgeService(serviceEnv).gateway(gatewayEnv).start();
        this.channel = ManagedChannelBuilder.forTarget(stack.grpcTarget()).usePlaintext().build();
        this.knowledge = KnowledgeServiceGrpc.newBlockingStub(channel);
        for (int i = 0; i < clients; i++) {
            McpSyncClient client = McpClient.sync(HttpClientStreamableHttpTransport.builder(
                            "http://127.0.0.1:" + stack.gateway().port()).endpoint("/mcp").build())
                    .requestTimeout(Duration.ofSeconds(30)).build();
            client.initialize();
            mcp.add(client);
        }
        System.out.println("PostgreSQL: " + postgres + "; " + Runtime.getRuntime().availableProcessors() + " cores");
    }

    static void run(List<String> args, Path workloads, Path work) throws Exception {
        int entries = args.contains("--entries") ? Integer.parseInt(args.get(args.indexOf("--entries") + 1)) : 100_000;
        if (args.contains("footprint")) {
            Footprint.run(args, workloads, work);
            return;
        }
        if (args.contains("near-duplicates")) {
            // near-duplicates are found by words: the corpus need not be embedded first
            try (Benchmark bench = new Benchmark(work.resolve("near-duplicates"), 1, Map.of("SEMANTIC_MODEL", "none"),
                    Map.of())) {
                new NearDuplicateBenchmark(bench, workloads).run();
            }
            return;
        }
        boolean synthetic = args.isEmpty() || args.contains("synthetic") || args.contains("all");
        boolean debian = args.isEmpty() || args.contains("debian") || args.contains("all");
        boolean rules = args.isEmpty() || args.contains("rules") || args.contains("all");
        Path rankings = args.contains("--rankings") ? Path.of(args.get(args.indexOf("--rankings") + 1)) : null;
        boolean reuse = args.contains("--reuse");
        // corpora are embedded before anything is timed, so embedding may take every core meanwhile
        Map<String, String> service = System.getenv().containsKey("SEMANTIC_THREADS") ? Map.of()
                : Map.of("SEMANTIC_THREADS", String.valueOf(Runtime.getRuntime().availableProcessors()));
        if (synthetic) {
            try (Benchmark bench = new Benchmark(work.resolve("synthetic"), CLIENTS, service, Map.of())) {
                new SyntheticBenchmark(bench, Workload.load(workloads, work, entries)).run();
            }
        }
        for (KnownItemBenchmark.Workload workload : List.of(KnownItemBenchmark.DEBIAN, KnownItemBenchmark.RULES)) {
            if (workload == KnownItemBenchmark.DEBIAN ? debian : rules) {
                try (Benchmark bench = new Benchmark(work.resolve(workload.name()), CLIENTS, service, Map.of(), reuse)) {
                    new KnownItemBenchmark(bench, workload, workloads, rankings).run();
                }
            }
        }
    }

    /** Stores {@code entries} through ImportKnowledge in batches; prints how long it took. */
    void importEntries(String what, Iterator<KnowledgeEntry> entries) {
        long start = System.nanoTime();
        int count = 0;
        while (entries.hasNext()) {
            ImportKnowledgeRequest.Builder request = ImportKnowledgeRequest.newBuilder();
            while (entries.hasNext() && request.getEntriesCount() < IMPORT_BATCH) {
                request.addEntries(entries.next());
            }
            count += request.getEntriesCount();
            knowledge.withDeadlineAfter(5, TimeUnit.MINUTES).importKnowledge(request.build());
        }
        System.out.printf("Loaded %s: %,d entries through ImportKnowledge in %.1f s%n", what, count,
                (System.nanoTime() - start) / 1e9);
    }

    /**
     * What the service and PostgreSQL would have done on their own by the time a loaded base is
     * searched: autovacuum's analysis, and the search statistics' refresh.
     */
    void settle() throws Exception {
        try (Connection connection = DriverManager.getConnection(stack.databaseUrl(), postgres.user(), postgres.password());
             Statement statement = connection.createStatement()) {
            statement.execute("VACUUM ANALYZE knowledge");
            statement.execute("VACUUM ANALYZE knowledge_text");
            statement.execute("SELECT refresh_search_stats()");
        }
    }

    /**
     * Waits until every entry is embedded and in knowledge-service's vector index (semantic recall
     * embeds in the background after each write); prints how long that took and the throughput.
     * Returns at once when semantic recall is off.
     */
    void awaitEmbedded(long since) throws Exception {
        long entries;
        try (Connection connection = connection(); Statement statement = connection.createStatement();
             var rows = statement.executeQuery("SELECT (SELECT count(*) FROM knowledge), "
                     + "(SELECT value::float8 FROM config WHERE key = 'search.semantic_weight')")) {
            rows.next();
            entries = rows.getLong(1);
            if (rows.getDouble(2) <= 0 || stack.knowledgeService().metric("kaizen_vector_index_entries") < 0) {
                return;
            }
        }
        long lastReport = System.nanoTime();
        while (true) {
            double indexed = stack.knowledgeService().metric("kaizen_vector_index_entries");
            if (indexed >= entries) {
                break;
            }
            if (System.nanoTime() - lastReport > TimeUnit.MINUTES.toNanos(1)) {
                System.out.printf("  embedding: %,.0f of %,d entries in the vector index%n", indexed, entries);
                lastReport = System.nanoTime();
            }
            Thread.sleep(500);
        }
        double seconds = (System.nanoTime() - since) / 1e9;
        System.out.printf("Embedded %,d entries (model %s, %s worker threads) and indexed them in %.1f s after the "
                        + "import began: %.1f entries/s%n", entries, stack.knowledgeService().env("SEMANTIC_MODEL", "bge-small-en-v1.5"),
                stack.knowledgeService().env("SEMANTIC_THREADS", "1"), seconds, entries / seconds);
    }

    Connection connection() throws Exception {
        return DriverManager.getConnection(stack.databaseUrl(), postgres.user(), postgres.password());
    }

    static TaskSize taskSize(String size) {
        return size == null ? TaskSize.TASK_SIZE_UNSPECIFIED : TaskSize.valueOf("TASK_SIZE_" + size);
    }

    @FunctionalInterface
    interface Call {
        void run(int client, int item) throws Exception;
    }

    /** Measures {@code count} calls spread over {@code clients} concurrent clients, and records the figures. */
    Stats measure(String name, int clients, int count, Call call) throws Exception {
        long wall = System.nanoTime();
        List<Long> nanos = run(clients, count, call);
        Stats stats = Stats.of(name, nanos, System.nanoTime() - wall);
        results.add(stats);
        System.out.println(stats.row());
        return stats;
    }

    /** Runs {@code count} calls spread over {@code clients} concurrent clients; returns every call's latency. */
    static List<Long> run(int clients, int count, Call call) throws Exception {
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

    /** The figures measured so far, as a table. */
    void printTable() {
        System.out.println();
        System.out.println(Stats.header());
        results.forEach(stats -> System.out.println(stats.row()));
        System.out.println();
    }

    static void deleteRecursively(Path folder) throws IOException {
        if (Files.exists(folder)) {
            try (Stream<Path> paths = Files.walk(folder)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
    }

    /** The namespace 'bench' with the scopes of the shared corpus: bench:default, bench:api, bench:db, bench:ui. */
    void createWorkloadScopes() {
        NamespaceServiceGrpc.newBlockingStub(channel).createNamespace(CreateNamespaceRequest.newBuilder()
                .setName("bench").setDescription("Benchmark namespace").build());
        for (String scope : List.of("api", "db", "ui")) {
            ScopeServiceGrpc.newBlockingStub(channel).createScope(CreateScopeRequest.newBuilder()
                    .setScope("bench:" + scope).setDescription("Benchmark " + scope).build());
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(stopAtExit);
        } catch (IllegalStateException exiting) {
            // called by the hook itself
        }
        mcp.forEach(McpSyncClient::closeGracefully);
        if (channel != null) {
            channel.shutdownNow();
        }
        if (stack != null) {
            stack.close();
        }
        postgres.close();
    }

    /** The resident memory of each process, in MiB, on one line. */
    void printMemory(String when) throws IOException {
        StringBuilder line = new StringBuilder("Memory " + when + ":");
        memory().forEach((process, bytes) -> line.append(String.format(" %s %.0f MiB;", process, bytes / 1048576.0)));
        System.out.println(line);
    }

    /**
     * Starts another knowledge-service on the same database, as a new replica (or a restarted one)
     * starts, and prints how long it takes until it is ready and until its vector index holds every
     * vector; then stops it.
     */
    void newReplica() {
        long start = System.nanoTime();
        Map<String, String> env = new java.util.HashMap<>();
        env.put("DB_URL", stack.databaseUrl());
        env.put("DB_USER", postgres.user());
        env.put("DB_PASSWORD", postgres.password());
        try (ServiceProcess replica = ServiceProcess.start(ServiceProcess.KNOWLEDGE_SERVICE, env,
                data.getParent().resolve("logs/knowledge-service-replica.log")).awaitReady()) {
            double ready = (System.nanoTime() - start) / 1e9;
            while (replica.metric("kaizen_vector_index_ready") != 1) {
                if (replica.metric("kaizen_vector_index_ready") < 0) {
                    System.out.printf("A new knowledge-service replica was ready in %.1f s (semantic recall off)%n", ready);
                    return;
                }
                Thread.sleep(200);
            }
            System.out.printf("A new knowledge-service replica was ready in %.1f s and semantically ready (its vector index "
                    + "loaded: %,.0f vectors) in %.1f s; its resident memory then: %.0f MiB%n", ready,
                    replica.metric("kaizen_vector_index_entries"), (System.nanoTime() - start) / 1e9,
                    kilobytes(replica.process().pid(), "status", "VmRSS:") / 1024.0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Resident memory of each process: the services' RSS, and PostgreSQL's proportional set size
     * summed over the postmaster and its backends (RSS would count shared buffers once per backend).
     */
    Map<String, Long> memory() throws IOException {
        Map<String, Long> memory = new LinkedHashMap<>();
        ServiceProcess service = stack.knowledgeService();
        memory.put("knowledge-service (RSS)", kilobytes(service.process().pid(), "status", "VmRSS:") * 1024);
        ServiceProcess gateway = stack.gateway();
        memory.put("mcp-gateway (RSS)", kilobytes(gateway.process().pid(), "status", "VmRSS:") * 1024);
        long postmaster = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid"))
                .getFirst().strip());
        List<ProcessHandle> postgres = new ArrayList<>();
        ProcessHandle.of(postmaster).ifPresent(process -> {
            postgres.add(process);
            process.descendants().forEach(postgres::add);
        });
        long pss = 0;
        for (ProcessHandle process : postgres) {
            pss += kilobytes(process.pid(), "smaps_rollup", "Pss:") * 1024;
        }
        memory.put("PostgreSQL (PSS, " + postgres.size() + " processes)", pss);
        return memory;
    }

    static long kilobytes(long pid, String file, String field) {
        try (Stream<String> lines = Files.lines(Path.of("/proc", String.valueOf(pid), file))) {
            return lines.filter(line -> line.startsWith(field)).findFirst()
                    .map(line -> Long.parseLong(line.substring(field.length()).strip().split("\\s+")[0])).orElse(0L);
        } catch (IOException | RuntimeException e) {
            return 0; // a backend that just exited
        }
    }
}
