package dev.kaizen.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import dev.kaizen.stack.ServiceProcess;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;

/**
 * {@code ./kaizen soak [minutes]}: hours of use in minutes. The packaged services, each in its own
 * process with the memory limit of its Kubernetes manifest, on a durable PostgreSQL loaded with the
 * 100,000-entry shared corpus; 32 MCP clients without pause: 70% get_task_context, 20%
 * write_knowledge, 10% updates, deletes and scope changes (each client changes only what it
 * created, so nothing it does should be refused). After a minute's warm-up it records every call
 * for {@code minutes} (10 by default) and prints errors by kind, p50/p95/p99 per tool, throughput,
 * and each process's resident memory at the end of the warm-up and at the end.
 */
final class Soak {
    private static final int CLIENTS = 32;
    private static final Duration WARM_UP = Duration.ofMinutes(1);
    private static final List<String> SCOPES = List.of("bench:default", "bench:api", "bench:db", "bench:ui");
    private static final List<String> SIZES = List.of("XS", "S", "M", "L", "XL");

    private final Benchmark bench;
    private final Workload workload;
    private final Duration duration;
    private final Map<String, List<Long>> latencies = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> errors = new ConcurrentHashMap<>();
    private volatile boolean recording;
    private volatile boolean running = true;

    private Soak(Benchmark bench, Workload workload, Duration duration) {
        this.bench = bench;
        this.workload = workload;
        this.duration = duration;
    }

    static void run(List<String> args, Path workloads, Path work) throws Exception {
        int minutes = args.isEmpty() ? 10 : Integer.parseInt(args.getFirst());
        // the limits of k8s/*-deployment.yaml: the JVMs size heap and collector from them; embedding may use
        // every core, so that the corpus is embedded before the soak begins
        try (Benchmark bench = new Benchmark(work.resolve("soak"), CLIENTS, Map.of("JAVA_TOOL_OPTIONS", "-XX:MaxRAM=1536m",
                "SEMANTIC_THREADS", String.valueOf(Runtime.getRuntime().availableProcessors())),
                Map.of("JAVA_TOOL_OPTIONS", "-XX:MaxRAM=768m"))) {
            new Soak(bench, Workload.load(workloads, work.resolve("synthetic"), 100_000), Duration.ofMinutes(minutes)).run();
        }
    }

    private void run() throws Exception {
        bench.createWorkloadScopes();
        long loading = System.nanoTime();
        bench.importEntries("the shared corpus", Workload.knowledge(workload.entries(), Integer.MAX_VALUE));
        bench.settle();
        bench.awaitEmbedded(loading);
        SyntheticBenchmark.check(bench.mcp.getFirst().callTool(McpSchema.CallToolRequest.builder("create_namespace")
                .arguments(Map.of("name", "soak", "description", "Scopes the soak's clients change")).build()));
        System.out.printf("Soak: %d MCP clients, 70%% get_task_context, 20%% write_knowledge, 10%% updates, deletes and "
                + "scope changes; warm-up %d s, then %d min recorded%n", CLIENTS, WARM_UP.toSeconds(), duration.toMinutes());
        List<Future<?>> clients = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(CLIENTS)) {
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                clients.add(pool.submit(() -> {
                    work(bench.mcp.get(client), client);
                    return null;
                }));
            }
            Thread.sleep(WARM_UP.toMillis());
            Map<String, Long> warm = bench.memory();
            recording = true;
            long start = System.nanoTime();
            Thread.sleep(duration.toMillis());
            recording = false;
            double seconds = (System.nanoTime() - start) / 1e9;
            Map<String, Long> end = bench.memory();
            running = false;
            for (Future<?> client : clients) {
                client.get();
            }
            report(seconds, warm, end);
        }
    }

    /** One client's calls until the soak ends; it changes only entries and scopes it created. */
    private void work(McpSyncClient mcp, int client) {
        Random random = new Random(client);
        List<String> mine = new ArrayList<>();
        String scope = "soak:client-" + client;
        boolean scopeExists = false;
        for (int n = 0; running; n++) {
            int dice = random.nextInt(100);
            String tool;
            Map<String, Object> arguments = new LinkedHashMap<>();
            if (dice < 70) {
                tool = "get_task_context";
                arguments.put("queries", workload.queries().get(random.nextInt(workload.queries().size())));
                arguments.put("scope", SCOPES.get(random.nextInt(SCOPES.size())));
                if (random.nextBoolean()) {
                    arguments.put("task_size", SIZES.get(random.nextInt(SIZES.size())));
                }
            } else if (dice < 90 || mine.isEmpty()) {
                tool = "write_knowledge";
                Workload.Entry entry = workload.inserts().get(random.nextInt(workload.inserts().size()));
                arguments.put("scope", scopeExists && random.nextBoolean() ? scope : SCOPES.get(random.nextInt(SCOPES.size())));
                arguments.put("content", entry.content());
                arguments.put("context", entry.context());
            } else if (dice < 94) {
                tool = "update_knowledge";
                arguments.put("id", mine.get(random.nextInt(mine.size())));
                arguments.put("content", workload.inserts().get(random.nextInt(workload.inserts().size())).content());
            } else if (dice < 97) {
                tool = "delete_knowledge";
                arguments.put("id", mine.remove(random.nextInt(mine.size())));
            } else if (!scopeExists) {
                tool = "create_scope";
                arguments.putAll(Map.of("scope", scope, "description", "Client " + client, "parents", List.of("bench:api")));
            } else if (random.nextBoolean()) {
                tool = "update_scope";
                arguments.putAll(Map.of("scope", scope, "description", "Client " + client + " change " + n % 1000,
                        "parents", List.of(SCOPES.get(1 + random.nextInt(3)))));
            } else {
                tool = "delete_scope";
                arguments.put("scope", scope);
                mine.clear(); // its entries go with it; those elsewhere stay, unchanged
            }
            long begin = System.nanoTime();
            String error;
            McpSchema.CallToolResult result = null;
            try {
                result = mcp.callTool(McpSchema.CallToolRequest.builder(tool).arguments(arguments).build());
                error = Boolean.TRUE.equals(result.isError())
                        ? ((McpSchema.TextContent) result.content().getFirst()).text() : null;
            } catch (RuntimeException e) {
                error = "client: " + e.getClass().getSimpleName();
            }
            long nanos = System.nanoTime() - begin;
            if (error == null) {
                switch (tool) {
                    case "write_knowledge" -> {
                        if (scope.equals(arguments.get("scope")) || mine.size() < 200) {
                            mine.add((String) ((Map<?, ?>) result.structuredContent()).get("id"));
                        }
                    }
                    case "create_scope" -> scopeExists = true;
                    case "delete_scope" -> scopeExists = false;
                    default -> {
                    }
                }
            }
            if (recording) {
                latencies.computeIfAbsent(tool, key -> java.util.Collections.synchronizedList(new ArrayList<>())).add(nanos);
                if (error != null) {
                    errors.computeIfAbsent(tool + ": " + kind(error), key -> new AtomicInteger()).incrementAndGet();
                }
            }
        }
    }

    /** The kind of an error: its sentence up to the first quoted value or colon, so that kinds group. */
    private static String kind(String error) {
        String kind = error.split("[':(]", 2)[0].strip();
        return kind.length() > 80 ? kind.substring(0, 80) : kind;
    }

    private void report(double seconds, Map<String, Long> warm, Map<String, Long> end) {
        System.out.println();
        System.out.println(Stats.header());
        long calls = 0;
        for (Map.Entry<String, List<Long>> tool : new TreeMap<>(latencies).entrySet()) {
            calls += tool.getValue().size();
            System.out.println(Stats.of(tool.getKey() + " (MCP, 32 clients)", tool.getValue(), (long) (seconds * 1e9)).row());
        }
        int errorCount = errors.values().stream().mapToInt(AtomicInteger::get).sum();
        System.out.printf("%nThroughput: %,d calls in %.0f s = %.1f calls/s%n", calls, seconds, calls / seconds);
        System.out.printf("Errors: %d%s%n", errorCount, errorCount == 0 ? "   (target 0)" : "");
        new TreeMap<>(errors).forEach((kind, count) -> System.out.printf("  %6d  %s%n", count.get(), kind));
        System.out.println();
        System.out.printf("| %-40s | %12s | %12s | %8s |%n|%s|%s|%s|%s|%n", "resident memory", "after warm-up", "at the end",
                "growth", "-".repeat(42), "-".repeat(14), "-".repeat(14), "-".repeat(10));
        for (String process : warm.keySet()) {
            long before = warm.get(process);
            long after = end.getOrDefault(process, 0L);
            System.out.printf("| %-40s | %8.0f MiB | %8.0f MiB | %+7.1f%% |%n", process, before / 1048576.0,
                    after / 1048576.0, 100.0 * (after - before) / before);
        }
        System.out.println("(target: 0 errors, memory growth after warm-up <= 10% per service)");
    }

}
