package dev.kaizen.launcher;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import dev.kaizen.api.v1.CreateNamespaceRequest;
import dev.kaizen.api.v1.CreateScopeRequest;
import dev.kaizen.api.v1.ImportKnowledgeRequest;
import dev.kaizen.api.v1.KnowledgeEntry;
import dev.kaizen.api.v1.KnowledgeServiceGrpc;
import dev.kaizen.api.v1.NamespaceServiceGrpc;
import dev.kaizen.api.v1.ScopeServiceGrpc;
import dev.kaizen.stack.ServiceProcess;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;

/**
 * {@code ./kaizen bench footprint [minutes]}: what {@code ./kaizen run} costs a laptop. Runs the real
 * command (a fresh data folder, free ports) and reports the time from the command to "Kaizen is
 * running", then the proportional set size (PSS: shared pages divided among the processes that
 * share them) of each of its processes: at start, with 5,000 and with all 59,660 Debian entries
 * loaded and embedded, and after {@code minutes} (default 10) of mixed load over MCP (70% searches,
 * 20% writes, 10% updates). Run it once with SEMANTIC_MODEL=none to see what semantic recall adds.
 * {@code --reuse} starts on the data folder of the last run instead (its entries loaded and
 * embedded already): the figures from the full corpus on, without the wait.
 */
final class Footprint {
    private static final int CLIENTS = 4;
    private static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newHttpClient();

    private final Path work;
    private final Path workload;
    private final Duration load;
    private final boolean reuse;
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private Process run;

    private Footprint(Path work, Path workload, Duration load, boolean reuse) {
        this.work = work;
        this.workload = workload;
        this.load = load;
        this.reuse = reuse;
    }

    static void run(List<String> args, Path workloads, Path work) throws Exception {
        int minutes = 10;
        for (String arg : args) {
            if (arg.matches("[0-9]+")) {
                minutes = Integer.parseInt(arg);
            }
        }
        Path folder = work.resolve("footprint");
        new Footprint(folder, workloads.resolve("debian"), Duration.ofMinutes(minutes),
                args.contains("--reuse") && Files.isDirectory(folder.resolve("data"))).measure();
    }

    private void measure() throws Exception {
        if (!reuse) {
            Benchmark.deleteRecursively(work);
        }
        Files.createDirectories(work);
        for (String port : List.of("KAIZEN_MCP_PORT", "KAIZEN_MCP_ADMIN_PORT", "KAIZEN_GRPC_PORT", "KAIZEN_GRPC_ADMIN_PORT",
                "KAIZEN_POSTGRES_PORT")) {
            ports.put(port, ServiceProcess.freePort());
        }
        long start = System.nanoTime();
        startRun();
        System.out.printf("./kaizen run: ready %.1f s after the command (built, warm Maven repository%s); semantic recall: %s%n",
                (System.nanoTime() - start) / 1e9, reuse ? ", the last run's data folder" : "",
                System.getenv().getOrDefault("SEMANTIC_MODEL", "bge-small-en-v1.5"));
        Thread.sleep(5_000);
        report("at start");
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", ports.get("KAIZEN_GRPC_PORT"))
                .usePlaintext().build();
        try {
            List<String[]> corpus = KnownItemBenchmark.rows(workload.resolve("corpus.tsv.gz"));
            if (!reuse) {
                createScopes(channel, corpus);
                importEntries(channel, corpus.subList(0, 5_000));
                awaitEmbedded(5_000);
                report("with 5,000 entries");
                importEntries(channel, corpus.subList(5_000, corpus.size()));
            }
            awaitEmbedded(corpus.size());
            report("with " + String.format("%,d", corpus.size()) + " entries");
            latency(corpus);
            mixedLoad(corpus);
            report("after " + load.toMinutes() + " minutes of mixed load");
        } finally {
            channel.shutdownNow();
            stopRun();
        }
        // as a user starts it the next day: the data folder and the class-data archives are there
        start = System.nanoTime();
        startRun();
        System.out.printf("./kaizen run again: ready %.1f s after the command%n", (System.nanoTime() - start) / 1e9);
        stopRun();
    }

    private void startRun() throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder("./kaizen", "run").redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.put("KAIZEN_DATA_DIR", work.resolve("data").toAbsolutePath().toString());
        ports.forEach((name, port) -> env.put(name, String.valueOf(port)));
        run = builder.start();
        Path log = work.resolve("kaizen-run.log");
        // not closed here: once the run is ready, a thread drains the rest of its output until it ends
        // (closing would wait for that thread's read, which holds the reader's lock)
        BufferedReader lines = new BufferedReader(new InputStreamReader(run.getInputStream(), StandardCharsets.UTF_8));
        List<String> seen = new ArrayList<>();
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
            seen.add(line);
            if (line.contains("Kaizen is running")) {
                Thread.ofVirtual().start(() -> drain(lines));
                Files.write(log, seen);
                return;
            }
        }
        lines.close();
        throw new IllegalStateException("./kaizen run ended before it was ready:\n" + String.join("\n", seen));
    }

    private static void drain(BufferedReader lines) {
        try (lines) {
            while (lines.readLine() != null) {
                // ./kaizen run's output after its banner: nothing to keep
            }
        } catch (IOException e) {
            // the run ended
        }
    }

    /**
     * As Ctrl-C does: SIGTERM to ./kaizen run, which stops everything it started and removes the pids
     * file. Waits for that (a run must be gone before the next one starts on the same data folder);
     * what is still running after three minutes is named and killed.
     */
    private void stopRun() throws InterruptedException, IOException {
        long start = System.nanoTime();
        run.destroy();
        Path pids = LocalRun.pidsFile(work.resolve("data"));
        boolean stopped = run.waitFor(3, TimeUnit.MINUTES);
        List<ProcessHandle> left = new ArrayList<>(LocalRun.runningProcesses(work.resolve("data")).values());
        System.out.printf("  stopped %.1f s after SIGTERM%n", (System.nanoTime() - start) / 1e9);
        if (!stopped || !left.isEmpty()) {
            System.out.println("  ./kaizen run did not stop everything within three minutes; killing " + left.stream()
                    .map(process -> process.info().command().orElse("?") + " (" + process.pid() + ")").toList());
            left.forEach(ProcessHandle::destroyForcibly);
            run.destroyForcibly();
            Files.deleteIfExists(pids);
        }
    }

    private static void createScopes(ManagedChannel channel, List<String[]> corpus) {
        NamespaceServiceGrpc.newBlockingStub(channel).createNamespace(CreateNamespaceRequest.newBuilder()
                .setName("debian").setDescription("Debian packages").build());
        TreeSet<String> sections = new TreeSet<>();
        corpus.forEach(row -> sections.add(row[2]));
        for (String section : sections) {
            ScopeServiceGrpc.newBlockingStub(channel).createScope(CreateScopeRequest.newBuilder().setScope(section)
                    .setDescription("Section " + section.substring(section.indexOf(':') + 1)).build());
        }
        ScopeServiceGrpc.newBlockingStub(channel).createScope(CreateScopeRequest.newBuilder().setScope("debian:all")
                .setDescription("Every section").addAllParents(sections).build());
    }

    private static void importEntries(ManagedChannel channel, List<String[]> rows) {
        for (int from = 0; from < rows.size(); from += 500) {
            ImportKnowledgeRequest.Builder request = ImportKnowledgeRequest.newBuilder();
            rows.subList(from, Math.min(rows.size(), from + 500)).forEach(row -> request.addEntries(
                    KnowledgeEntry.newBuilder().setScope(row[2]).setContent(row[3]).setContext(row[4])));
            KnowledgeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.MINUTES)
                    .importKnowledge(request.build());
        }
    }

    /** Waits until knowledge-service's vector index holds {@code entries} (at once when semantic recall is off). */
    private void awaitEmbedded(int entries) throws InterruptedException {
        long start = System.nanoTime();
        while (true) {
            double indexed = metric("kaizen_vector_index_entries");
            if (indexed < 0 || indexed >= entries) {
                if (indexed >= 0) {
                    System.out.printf("  %,d entries embedded and indexed %.0f s after their import%n", entries,
                            (System.nanoTime() - start) / 1e9);
                }
                return;
            }
            Thread.sleep(1_000);
        }
    }

    private double metric(String name) {
        try {
            String text = HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
                            + ports.get("KAIZEN_GRPC_ADMIN_PORT") + "/observe/metrics")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString()).body();
            for (String line : text.split("\n")) {
                if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                    return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
            return -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** {@code minutes} of 4 MCP clients without pause: 70% searches, 20% writes, 10% updates of their own entries. */
    private void mixedLoad(List<String[]> corpus) throws Exception {
        List<String[]> queries = KnownItemBenchmark.rows(workload.resolve("queries.tsv"));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong calls = new AtomicLong();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < CLIENTS; c++) {
            int client = c;
            clients.add(Thread.ofPlatform().start(() -> {
                Random random = new Random(client);
                List<String> mine = new ArrayList<>();
                try (McpSyncClient mcp = McpClient.sync(HttpClientStreamableHttpTransport.builder("http://127.0.0.1:"
                        + ports.get("KAIZEN_MCP_PORT")).endpoint("/mcp").build()).requestTimeout(Duration.ofSeconds(30)).build()) {
                    mcp.initialize();
                    while (!stop.get()) {
                        int dice = random.nextInt(10);
                        String[] entry = corpus.get(random.nextInt(corpus.size()));
                        McpSchema.CallToolResult result;
                        if (dice < 7) {
                            result = call(mcp, "get_task_context", Map.of("queries", List.of(queries.get(
                                    random.nextInt(queries.size()))[2]), "scope", "debian:all"));
                        } else if (dice < 9 || mine.isEmpty()) {
                            result = call(mcp, "write_knowledge", Map.of("scope", entry[2], "content", entry[3],
                                    "context", entry[4]));
                            if (!result.isError()) {
                                mine.add((String) ((Map<?, ?>) result.structuredContent()).get("id"));
                            }
                        } else {
                            result = call(mcp, "update_knowledge", Map.of("id", mine.get(random.nextInt(mine.size())),
                                    "content", entry[3]));
                        }
                        SyntheticBenchmark.check(result);
                        calls.incrementAndGet();
                    }
                }
            }));
        }
        Thread.sleep(load);
        stop.set(true);
        for (Thread client : clients) {
            client.join();
        }
        System.out.printf("  mixed load: %,d calls in %d minutes from %d MCP clients%n", calls.get(), load.toMinutes(), CLIENTS);
    }

    /**
     * What one agent sees on the loaded run: get_task_context for the 1,000 Debian queries, then 500
     * write_knowledge calls, one at a time over MCP (after 100 untimed calls of each).
     */
    private void latency(List<String[]> corpus) throws Exception {
        List<String[]> queries = KnownItemBenchmark.rows(workload.resolve("queries.tsv"));
        try (McpSyncClient mcp = McpClient.sync(HttpClientStreamableHttpTransport.builder("http://127.0.0.1:"
                + ports.get("KAIZEN_MCP_PORT")).endpoint("/mcp").build()).requestTimeout(Duration.ofSeconds(30)).build()) {
            mcp.initialize();
            List<Long> searches = new ArrayList<>();
            for (int i = 0; i < 100 + queries.size(); i++) {
                long start = System.nanoTime();
                SyntheticBenchmark.check(call(mcp, "get_task_context", Map.of("queries",
                        List.of(queries.get(i % queries.size())[2]), "scope", "debian:all")));
                if (i >= 100) {
                    searches.add(System.nanoTime() - start);
                }
            }
            List<Long> writes = new ArrayList<>();
            for (int i = 0; i < 600; i++) {
                String[] entry = corpus.get(i * 97 % corpus.size());
                long start = System.nanoTime();
                SyntheticBenchmark.check(call(mcp, "write_knowledge", Map.of("scope", entry[2], "content", entry[3],
                        "context", entry[4])));
                if (i >= 100) {
                    writes.add(System.nanoTime() - start);
                }
            }
            Stats search = Stats.of("get_task_context, Debian (MCP, 1 client)", searches, 1);
            Stats write = Stats.of("write_knowledge (MCP, 1 client)", writes, 1);
            System.out.printf("  latency: get_task_context p50 %.1f ms, p95 %.1f ms; write_knowledge p50 %.1f ms, p95 %.1f ms%n",
                    search.p50Millis(), search.p95Millis(), write.p50Millis(), write.p95Millis());
        }
    }

    private static McpSchema.CallToolResult call(McpSyncClient mcp, String tool, Map<String, Object> arguments) {
        return mcp.callTool(McpSchema.CallToolRequest.builder(tool).arguments(new HashMap<>(arguments)).build());
    }

    /** PSS of each process of the run, by role, and the sum. */
    private void report(String when) throws IOException {
        Map<String, Long> pss = new LinkedHashMap<>();
        List<ProcessHandle> processes = new ArrayList<>();
        processes.add(run.toHandle());
        run.descendants().forEach(processes::add);
        // the services and PostgreSQL run on after the launcher that started them: the pids file names them
        for (ProcessHandle process : LocalRun.runningProcesses(work.resolve("data")).values()) {
            processes.add(process);
            process.descendants().forEach(processes::add);
        }
        for (ProcessHandle process : processes) {
            String command = process.info().commandLine().orElse(process.info().command().orElse(""));
            String role = command.contains("knowledge-service.jar") ? "knowledge-service"
                    : command.contains("mcp-gateway.jar") ? "mcp-gateway"
                    : command.contains("postgres") ? "PostgreSQL"
                    : command.contains("kaizen-launcher.jar") ? "launcher"
                    : command.contains("bash") ? "./kaizen run (shell)" : "other (" + command.split(" ")[0] + ")";
            pss.merge(role, Benchmark.kilobytes(process.pid(), "smaps_rollup", "Pss:"), Long::sum);
        }
        long total = pss.values().stream().mapToLong(Long::longValue).sum();
        StringBuilder line = new StringBuilder(String.format("PSS %s: %.0f MiB in all (", when, total / 1024.0));
        pss.forEach((role, kilobytes) -> line.append(String.format("%s %.0f, ", role, kilobytes / 1024.0)));
        line.setLength(line.length() - 2);
        System.out.println(line.append(" MiB)"));
    }
}
