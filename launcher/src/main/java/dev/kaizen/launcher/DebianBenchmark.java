package dev.kaizen.launcher;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.zip.GZIPInputStream;

import dev.kaizen.api.v1.CreateNamespaceRequest;
import dev.kaizen.api.v1.CreateScopeRequest;
import dev.kaizen.api.v1.GetTaskContextRequest;
import dev.kaizen.api.v1.KnowledgeEntry;
import dev.kaizen.api.v1.NamespaceServiceGrpc;
import dev.kaizen.api.v1.ScopeServiceGrpc;
import io.modelcontextprotocol.spec.McpSchema;

/**
 * Search quality and speed on real text (launcher/bench-workload/debian): 59,660 Debian package
 * descriptions in 58 section scopes, and 1,000 known-item queries of 2-3 words from a package's
 * summary, each searched from {@code debian:all}, which inherits every section, over MCP as an
 * agent searches. Prints success@10 (the entry sought is among the first 10 results), MRR@10,
 * found-at-all (anywhere in the answer), the share of empty answers and latency.
 */
final class DebianBenchmark {
    /** A budget no answer of 50 entries reaches here: the ranked list whole, for the quality figures. */
    private static final int UNBUDGETED = dev.kaizen.api.Rules.MAX_TOKENS_MAX;
    private final Benchmark bench;
    private final Path workload;

    DebianBenchmark(Benchmark bench, Path workload) {
        this.bench = bench;
        this.workload = workload;
    }

    void run() throws Exception {
        List<String[]> corpus = rows(workload.resolve("corpus.tsv.gz"));
        List<String[]> queries = rows(workload.resolve("queries.tsv"));
        NamespaceServiceGrpc.newBlockingStub(bench.channel).createNamespace(CreateNamespaceRequest.newBuilder()
                .setName("debian").setDescription("Debian packages").build());
        TreeSet<String> sections = new TreeSet<>();
        corpus.forEach(row -> sections.add(row[2]));
        for (String section : sections) {
            ScopeServiceGrpc.newBlockingStub(bench.channel).createScope(CreateScopeRequest.newBuilder()
                    .setScope(section).setDescription("Section " + section.substring("debian:".length())).build());
        }
        ScopeServiceGrpc.newBlockingStub(bench.channel).createScope(CreateScopeRequest.newBuilder()
                .setScope("debian:all").setDescription("Every section").addAllParents(sections).build());

        // ImportKnowledge answers the ids in the order given: corpus id n is the n-th entry imported
        bench.importEntries("the Debian corpus", corpus.stream().map(row -> KnowledgeEntry.newBuilder()
                .setScope(row[2]).setContent(row[3]).setContext(row[4]).build()).iterator());
        long firstId = firstId();
        bench.settle();

        Benchmark.run(1, 100, (client, i) -> mcpSearch(queries.get(i)[2], UNBUDGETED));
        Benchmark.run(1, 100, (client, i) -> grpcSearch(queries.get(i)[2]));
        bench.measure("GetTaskContext, Debian (gRPC, 1 client)", 1, queries.size(),
                (client, i) -> grpcSearch(queries.get(i)[2]));

        AtomicInteger inTen = new AtomicInteger();
        AtomicInteger found = new AtomicInteger();
        AtomicInteger empty = new AtomicInteger();
        DoubleAdder reciprocalRanks = new DoubleAdder();
        Stats mcp = bench.measure("get_task_context, Debian, whole answers (MCP, 1 client)", 1, queries.size(), (client, i) -> {
            List<Long> ids = ids(mcpSearch(queries.get(i)[2], UNBUDGETED));
            long target = firstId + Long.parseLong(queries.get(i)[1]) - 1;
            int rank = ids.indexOf(target) + 1;
            if (ids.isEmpty()) {
                empty.incrementAndGet();
            }
            if (rank > 0) {
                found.incrementAndGet();
            }
            if (rank > 0 && rank <= 10) {
                inTen.incrementAndGet();
                reciprocalRanks.add(1.0 / rank);
            }
        });

        Stats budgeted = bench.measure("get_task_context, Debian, default budget (MCP, 1 client)", 1, queries.size(),
                (client, i) -> mcpSearch(queries.get(i)[2], null));

        bench.printTable();
        String sample = queries.getFirst()[2];
        System.out.printf("Answer sizes for the query '%s' (characters of JSON):%n", sample);
        for (Integer budget : java.util.Arrays.asList(UNBUDGETED, null, 500)) {
            McpSchema.CallToolResult answer = mcpSearch(sample, budget);
            Map<?, ?> body = (Map<?, ?>) answer.structuredContent();
            List<?> results = (List<?>) body.get("results");
            long excerpts = results.stream().filter(result -> ((Map<?, ?>) result).containsKey("excerpt")).count();
            System.out.printf("  max_tokens %-22s %,7d characters: %d results (%d whole, %d excerpts), %s more%n",
                    budget == null ? "default (4000):" : budget + ":", ((McpSchema.TextContent) answer.content().getFirst())
                            .text().length(), results.size(), results.size() - excerpts, excerpts, body.get("more") == null
                            ? "none" : body.get("more"));
        }
        double n = queries.size();
        System.out.printf("Debian known-item search over MCP, %d queries from debian:all:%n", queries.size());
        System.out.printf("  success@10:              %.3f   (target >= 0.90)%n", inTen.get() / n);
        System.out.printf("  MRR@10:                  %.3f   (target >= 0.70)%n", reciprocalRanks.sum() / n);
        System.out.printf("  found in the answer:     %.3f%n", found.get() / n);
        System.out.printf("  empty answers:           %.1f %%  (target <= 0.5 %%)%n", 100 * empty.get() / n);
        System.out.printf("  get_task_context p95:    %.1f ms with the default budget, %.1f ms for whole answers of up to 50 "
                + "entries   (target <= 20 ms)%n", budgeted.p95Millis(), mcp.p95Millis());
    }

    private long firstId() throws Exception {
        try (var connection = bench.connection(); var statement = connection.createStatement();
             var rows = statement.executeQuery("SELECT min(id) FROM knowledge")) {
            rows.next();
            return rows.getLong(1);
        }
    }

    /** A search as an agent makes it, with a budget of {@code maxTokens} (the default when null). */
    private McpSchema.CallToolResult mcpSearch(String query, Integer maxTokens) {
        Map<String, Object> arguments = new HashMap<>(Map.of("queries", List.of(query), "scope", "debian:all"));
        if (maxTokens != null) {
            arguments.put("max_tokens", maxTokens);
        }
        McpSchema.CallToolResult result = bench.mcp.getFirst().callTool(McpSchema.CallToolRequest
                .builder("get_task_context").arguments(arguments).build());
        SyntheticBenchmark.check(result);
        return result;
    }

    private static List<Long> ids(McpSchema.CallToolResult result) {
        List<Long> ids = new ArrayList<>();
        for (Object entry : (List<?>) ((Map<?, ?>) result.structuredContent()).get("results")) {
            ids.add(Long.parseLong((String) ((Map<?, ?>) entry).get("id")));
        }
        return ids;
    }

    private void grpcSearch(String query) {
        bench.knowledge.withDeadlineAfter(10, TimeUnit.SECONDS).getTaskContext(GetTaskContextRequest.newBuilder()
                .setScope("debian:all").addQueries(query).build());
    }

    private static List<String[]> rows(Path file) throws IOException {
        List<String[]> rows = new ArrayList<>();
        var in = Files.newInputStream(file);
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(
                file.toString().endsWith(".gz") ? new GZIPInputStream(in) : in, StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                if (!line.isEmpty()) {
                    rows.add(line.split("\t", -1));
                }
            }
        }
        return rows;
    }
}
