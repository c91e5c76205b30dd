package dev.kaizen.system;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import dev.kaizen.api.v1.GetTaskContextRequest;
import dev.kaizen.api.v1.ImportKnowledgeRequest;
import dev.kaizen.api.v1.KnowledgeEntry;
import dev.kaizen.api.v1.KnowledgeServiceGrpc;
import dev.kaizen.api.v1.WriteKnowledgeRequest;
import dev.kaizen.stack.PostgresServer;
import dev.kaizen.stack.ServiceProcess;
import dev.kaizen.stack.Stack;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.modelcontextprotocol.client.McpSyncClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Figures for the README, not a test: run on demand with
 * {@code mvn -o test -pl system-tests -Dtest=Measurements -Dkaizen.measure=true}. Prints, and keeps in
 * system-tests/target/measurements.txt:
 * <ol>
 *     <li>what tracing costs: get_task_context and write_knowledge over MCP against two identical
 *     stacks, one with tracing off (no OTEL endpoint) and one exporting every span to a local OTLP
 *     receiver, called in alternating rounds so that both see the same background load;</li>
 *     <li>the capacity model's inputs: CPU seconds per call of knowledge-service and of PostgreSQL
 *     (its processes, from /proc) for GetTaskContext and WriteKnowledge under 8 concurrent gRPC
 *     clients, so calls per second per core, whatever else shares the machine.</li>
 * </ol>
 */
@EnabledIfSystemProperty(named = "kaizen.measure", matches = "true")
class Measurements {
    private static final int ENTRIES = 5_000;
    private static final long TICKS = 100;
    private final StringBuilder out = new StringBuilder();

    @Test
    void measure() throws Exception {
        List<String> contents = column("launcher/bench-workload/insert_pool.tsv", 1);
        List<String> vocabulary = column("launcher/bench-workload/vocab.tsv", 1);
        List<String[]> queries = Files.readAllLines(ServiceProcess.REPOSITORY.resolve("launcher/bench-workload/query_pool.tsv"))
                .stream().map(line -> Arrays.copyOfRange(line.split("\t"), 1, line.split("\t").length)).toList();
        try (OtlpReceiver receiver = new OtlpReceiver();
             Stack off = Stack.start("measure-off");
             Stack on = Stack.builder("measure-on").knowledgeService(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint()))
                     .gateway(Map.of("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.endpoint())).start()) {
            print("machine: " + Runtime.getRuntime().availableProcessors() + " cores; load average before: "
                    + Files.readString(Path.of("/proc/loadavg")).strip());
            for (Stack stack : List.of(off, on)) {
                load(stack, contents, vocabulary);
            }
            tracingCost(off, on, queries, contents, receiver);
            capacity(off, queries, contents);
            barrier(off);
            print("load average after: " + Files.readString(Path.of("/proc/loadavg")).strip());
        }
        Files.writeString(ServiceProcess.REPOSITORY.resolve("system-tests/target/measurements.txt"), out);
    }

    private void tracingCost(Stack off, Stack on, List<String[]> queries, List<String> contents, OtlpReceiver receiver) {
        McpSyncClient a = Mcp.client(off.gateway(), Map.of());
        McpSyncClient b = Mcp.client(on.gateway(), Map.of());
        Map<String, List<Long>> times = new HashMap<>();
        Random random = new Random(7);
        for (int round = 0; round < 12; round++) {
            for (McpSyncClient client : round % 2 == 0 ? List.of(a, b) : List.of(b, a)) {
                String which = client == a ? "off" : "on";
                for (int i = 0; i < 100; i++) {
                    String[] query = queries.get(random.nextInt(queries.size()));
                    long start = System.nanoTime();
                    Mcp.call(client, "get_task_context", Map.of("queries", List.of(query), "scope", "bench:default"));
                    times.computeIfAbsent("get_task_context " + which, k -> new ArrayList<>()).add(System.nanoTime() - start);
                }
                for (int i = 0; i < 25; i++) {
                    long start = System.nanoTime();
                    Mcp.call(client, "write_knowledge", Map.of("scope", "bench:default", "context", "measure write",
                            "content", contents.get(random.nextInt(contents.size()))));
                    times.computeIfAbsent("write_knowledge " + which, k -> new ArrayList<>()).add(System.nanoTime() - start);
                }
            }
        }
        print("tracing cost, MCP over HTTP, 1 client, 12 alternating rounds (first 2 rounds left out as warm-up):");
        for (String key : List.of("get_task_context off", "get_task_context on", "write_knowledge off", "write_knowledge on")) {
            List<Long> all = times.get(key);
            List<Long> kept = new ArrayList<>(all.subList(all.size() / 6, all.size()));
            kept.sort(null);
            print(String.format("  %-22s calls %4d  p50 %6.2f ms  p95 %6.2f ms  mean %6.2f ms", key, kept.size(),
                    kept.get(kept.size() / 2) / 1e6, kept.get(kept.size() * 95 / 100) / 1e6,
                    kept.stream().mapToLong(Long::longValue).average().orElse(0) / 1e6));
        }
        print("  spans received from the traced stack: " + receiver.all().size());
    }

    private void capacity(Stack stack, List<String[]> queries, List<String> contents) throws Exception {
        ManagedChannel channel = ManagedChannelBuilder.forTarget(stack.grpcTarget()).usePlaintext().build();
        try {
            Random random = new Random(11);
            for (String operation : List.of("GetTaskContext", "WriteKnowledge")) {
                Runnable call = operation.equals("GetTaskContext")
                        ? () -> KnowledgeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                                .getTaskContext(GetTaskContextRequest.newBuilder().setScope("bench:default")
                                        .addAllQueries(List.of(queries.get(random.nextInt(queries.size())))).build())
                        : () -> KnowledgeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
                                .writeKnowledge(WriteKnowledgeRequest.newBuilder().setScope("bench:default").setContext("measure write")
                                        .setContent(contents.get(random.nextInt(contents.size()))).build());
                run(call, 8, 3);
                long service = cpuTicks(stack.knowledgeService().process().pid());
                Map<Long, Long> postgres = postgresTicks();
                long wall = System.nanoTime();
                long calls = run(call, 8, 20);
                double seconds = (System.nanoTime() - wall) / 1e9;
                double serviceCpu = (cpuTicks(stack.knowledgeService().process().pid()) - service) / (double) TICKS;
                double postgresCpu = delta(postgres, postgresTicks()) / (double) TICKS;
                print(String.format("capacity, %s, gRPC, 8 clients, %.0f s: %d calls, %.0f calls/s; CPU per call: knowledge-service "
                                + "%.2f ms, PostgreSQL %.2f ms; calls per second per core: knowledge-service %.0f, PostgreSQL %.0f, "
                                + "both on one core %.0f", operation, seconds, calls, calls / seconds,
                        serviceCpu * 1000 / calls, postgresCpu * 1000 / calls, calls / serviceCpu, calls / postgresCpu,
                        calls / (serviceCpu + postgresCpu)));
            }
        } finally {
            channel.shutdownNow();
        }
    }

    /** What a read on a replica costs the primary: one pg_current_wal_insert_lsn() on a pooled connection. */
    private void barrier(Stack stack) throws Exception {
        PostgresServer postgres = PostgresServer.shared();
        List<java.sql.Connection> connections = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            connections.add(java.sql.DriverManager.getConnection(stack.databaseUrl(), postgres.user(), postgres.password()));
        }
        try {
            Map<Long, Long> before = postgresTicks();
            AtomicLong index = new AtomicLong();
            long wall = System.nanoTime();
            long calls = run(() -> {
                java.sql.Connection connection = connections.get((int) (Thread.currentThread().threadId() % 8));
                synchronized (connection) {
                    try (var statement = connection.createStatement();
                         var position = statement.executeQuery("SELECT pg_current_wal_insert_lsn()::text")) {
                        position.next();
                        index.incrementAndGet();
                    } catch (java.sql.SQLException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }, 8, 10);
            double seconds = (System.nanoTime() - wall) / 1e9;
            double cpu = delta(before, postgresTicks()) / (double) TICKS;
            print(String.format("barrier, SELECT pg_current_wal_insert_lsn() over JDBC, 8 connections, %.0f s: %d calls, "
                    + "PostgreSQL CPU per call %.3f ms: %.0f per second per core", seconds, calls, cpu * 1000 / calls, calls / cpu));
        } finally {
            for (java.sql.Connection connection : connections) {
                connection.close();
            }
        }
    }

    /** Calls {@code call} from {@code clients} threads for {@code seconds}; how many completed. */
    private static long run(Runnable call, int clients, int seconds) throws InterruptedException {
        AtomicLong done = new AtomicLong();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        for (int i = 0; i < clients; i++) {
            pool.submit(() -> {
                while (System.nanoTime() < end) {
                    call.run();
                    done.incrementAndGet();
                }
            });
        }
        pool.shutdown();
        pool.awaitTermination(seconds + 60, TimeUnit.SECONDS);
        return done.get();
    }

    /** 5,000 entries in bench:default, from the shared workload's texts, through ImportKnowledge. */
    private static void load(Stack stack, List<String> contents, List<String> vocabulary) {
        McpSyncClient mcp = Mcp.client(stack.gateway(), Map.of());
        Mcp.call(mcp, "create_namespace", Map.of("name", "bench", "description", "Measurements"));
        ManagedChannel channel = ManagedChannelBuilder.forTarget(stack.grpcTarget()).usePlaintext().build();
        Random random = new Random(3);
        try {
            for (int batch = 0; batch < ENTRIES / 500; batch++) {
                ImportKnowledgeRequest.Builder request = ImportKnowledgeRequest.newBuilder();
                for (int i = 0; i < 500; i++) {
                    request.addEntries(KnowledgeEntry.newBuilder().setScope("bench:default")
                            .setContent(contents.get(random.nextInt(contents.size())))
                            .setContext(vocabulary.get(random.nextInt(vocabulary.size())).replaceAll("[^a-z0-9-]", "") + " "
                                    + vocabulary.get(random.nextInt(vocabulary.size())).replaceAll("[^a-z0-9-]", "")));
                }
                KnowledgeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS).importKnowledge(request.build());
            }
        } finally {
            channel.shutdownNow();
        }
    }

    private static List<String> column(String file, int column) throws IOException {
        return Files.readAllLines(ServiceProcess.REPOSITORY.resolve(file)).stream()
                .map(line -> line.split("\t")).filter(fields -> fields.length > column).map(fields -> fields[column])
                .filter(text -> text.matches(".*[a-z].*")).toList();
    }

    /** user + system CPU ticks of a process. */
    private static long cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        } catch (IOException | RuntimeException gone) {
            return 0;
        }
    }

    /** CPU ticks of the test PostgreSQL's processes (the postmaster of its port and its children), by pid. */
    private static Map<Long, Long> postgresTicks() throws IOException {
        String port = PostgresServer.shared().hostAndPort().replaceAll(".*:", "");
        Map<Long, Long> ticks = new HashMap<>();
        long postmaster = ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains("postgres")
                && p.info().commandLine().orElse("").contains("-p " + port)).mapToLong(ProcessHandle::pid).findFirst().orElse(-1);
        if (postmaster < 0) {
            throw new IllegalStateException("no postmaster on port " + port);
        }
        ticks.put(postmaster, cpuTicks(postmaster));
        try (Stream<ProcessHandle> children = ProcessHandle.of(postmaster).orElseThrow().children()) {
            children.forEach(child -> ticks.put(child.pid(), cpuTicks(child.pid())));
        }
        return ticks;
    }

    private static long delta(Map<Long, Long> before, Map<Long, Long> after) {
        long sum = 0;
        for (Map.Entry<Long, Long> process : after.entrySet()) {
            sum += process.getValue() - before.getOrDefault(process.getKey(), 0L);
        }
        return sum;
    }

    private void print(String line) {
        System.out.println(line);
        out.append(line).append('\n');
    }
}
