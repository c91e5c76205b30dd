package dev.kaizen.launcher;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;

import dev.kaizen.api.v1.ConfigServiceGrpc;
import dev.kaizen.api.v1.CreateNamespaceRequest;
import dev.kaizen.api.v1.CreateScopeRequest;
import dev.kaizen.api.v1.GetTaskContextRequest;
import dev.kaizen.api.v1.KnowledgeEntry;
import dev.kaizen.api.v1.NamespaceServiceGrpc;
import dev.kaizen.api.v1.ResetConfigRequest;
import dev.kaizen.api.v1.ScopeServiceGrpc;
import dev.kaizen.api.v1.TaskContextEntry;
import dev.kaizen.api.v1.UpdateConfigRequest;
import dev.kaizen.embedding.Embedder;
import dev.kaizen.embedding.EmbeddingModel;
import io.modelcontextprotocol.spec.McpSchema;

/**
 * Search quality and speed on real text that nobody on this project wrote: a corpus of entries in
 * section scopes ({@code <namespace>:<section>}) and files of known-item queries (the entry each
 * query is after), each searched from {@code <namespace>:all}, which inherits every section, over MCP
 * as an agent searches, queries exactly as written. Prints, per query file, success@10 (the entry
 * sought is among the first 10 results), MRR@10, found-at-all (anywhere in the answer), the share of
 * empty answers and latency.
 * <ul>
 *     <li>{@link #DEBIAN}: 59,660 Debian package descriptions in 58 sections; 1,000 queries of 2-3
 *     words from a package's summary.</li>
 *     <li>{@link #RULES}: the 952 rules of the Python linter ruff, explained, in 59 scopes; 823
 *     queries of 2-4 words of a rule's one-line summary (half of them hold a word the rule's text
 *     lacks) and 942 of the summary as the sentence an agent would ask.</li>
 * </ul>
 * With {@code --rankings FOLDER}, each query's ranked answers (corpus ids and scores) go to files
 * there, for analysis: as served, by words alone and by meaning alone.
 */
final class KnownItemBenchmark {
    /** A budget no answer of 50 entries reaches: the ranked list whole, for the quality figures. */
    private static final int UNBUDGETED = dev.kaizen.api.Rules.MAX_TOKENS_MAX;

    record QuerySet(String name, String file) {
    }

    record Workload(String name, String namespace, String description, List<QuerySet> querySets) {
    }

    static final Workload DEBIAN = new Workload("debian", "debian", "Debian packages",
            List.of(new QuerySet("Debian", "queries.tsv")));
    static final Workload RULES = new Workload("rules", "rules", "Lint rules",
            List.of(new QuerySet("rules, summary words", "queries_summary.tsv"),
                    new QuerySet("rules, sentences as written", "queries_sentence.tsv")));

    /** Quality of one query file: from each query's rank of the entry sought (0: not found) and answer size. */
    record Quality(String name, int queries, double successAt10, double mrrAt10, double found, Double empty) {
        static Quality of(String name, int[] ranks, int[] sizes) {
            double inTen = 0;
            double reciprocal = 0;
            double found = 0;
            double empty = 0;
            for (int i = 0; i < ranks.length; i++) {
                inTen += ranks[i] > 0 && ranks[i] <= 10 ? 1 : 0;
                reciprocal += ranks[i] > 0 && ranks[i] <= 10 ? 1.0 / ranks[i] : 0;
                found += ranks[i] > 0 ? 1 : 0;
                empty += sizes != null && sizes[i] == 0 ? 1 : 0;
            }
            double n = ranks.length;
            return new Quality(name, ranks.length, inTen / n, reciprocal / n, found / n, sizes == null ? null : empty / n);
        }

        String row() {
            return String.format("  %-45s %5d queries   success@10 %.3f   MRR@10 %.3f   found %.3f%s",
                    name, queries, successAt10, mrrAt10, found, empty == null ? "" : String.format("   empty %.1f %%",
                            100 * empty));
        }
    }

    private final Benchmark bench;
    private final Workload workload;
    private final Path folder;
    private final Path rankings;
    private final String scope;
    private long firstId;

    KnownItemBenchmark(Benchmark bench, Workload workload, Path workloads, Path rankings) {
        this.bench = bench;
        this.workload = workload;
        this.folder = workloads.resolve(workload.name());
        this.rankings = rankings;
        this.scope = workload.namespace() + ":all";
    }

    void run() throws Exception {
        load();
        List<Quality> qualities = new ArrayList<>();
        for (QuerySet set : workload.querySets()) {
            List<String[]> queries = rows(folder.resolve(set.file()));
            Benchmark.run(1, Math.min(100, queries.size()), (client, i) -> mcpSearch(queries.get(i)[2], UNBUDGETED));
            Benchmark.run(1, Math.min(100, queries.size()), (client, i) -> grpcSearch(queries.get(i)[2]));
            bench.measure("GetTaskContext, " + set.name() + " (gRPC, 1 client)", 1, queries.size(),
                    (client, i) -> grpcSearch(queries.get(i)[2]));
            qualities.add(quality(set, queries));
            bench.measure("get_task_context, " + set.name() + ", default budget (MCP, 1 client)", 1, queries.size(),
                    (client, i) -> mcpSearch(queries.get(i)[2], null));
            if (semanticModel() != null) {
                qualities.add(wordsAlone(set, queries));
                qualities.add(meaningAlone(set, queries));
            }
        }
        bench.printTable();
        answerSizes(rows(folder.resolve(workload.querySets().getFirst().file())).getFirst()[2]);
        System.out.printf("Known-item search from %s, queries as written (over MCP; words alone: search.semantic_weight 0; "
                + "meaning alone: the stored vectors, exactly):%n", scope);
        qualities.forEach(quality -> System.out.println(quality.row()));
        System.out.println();
    }

    /** The namespace, a scope per section, {@code <namespace>:all} inheriting them all, and the corpus. */
    private void load() throws Exception {
        List<String[]> corpus = rows(folder.resolve("corpus.tsv.gz"));
        if (loadedBefore(corpus.size())) {
            firstId = firstId();
            System.out.printf("Reusing the %s corpus loaded by an earlier run (%,d entries)%n", workload.name(), corpus.size());
            bench.awaitEmbedded(System.nanoTime());
            return;
        }
        NamespaceServiceGrpc.newBlockingStub(bench.channel).createNamespace(CreateNamespaceRequest.newBuilder()
                .setName(workload.namespace()).setDescription(workload.description()).build());
        TreeSet<String> sections = new TreeSet<>();
        corpus.forEach(row -> sections.add(row[2]));
        for (String section : sections) {
            ScopeServiceGrpc.newBlockingStub(bench.channel).createScope(CreateScopeRequest.newBuilder()
                    .setScope(section).setDescription("Section " + section.substring(section.indexOf(':') + 1)).build());
        }
        ScopeServiceGrpc.newBlockingStub(bench.channel).createScope(CreateScopeRequest.newBuilder()
                .setScope(scope).setDescription("Every section").addAllParents(sections).build());
        // ImportKnowledge answers the ids in the order given: corpus id n is the n-th entry imported
        long importStart = System.nanoTime();
        bench.importEntries("the " + workload.name() + " corpus", corpus.stream().map(row -> KnowledgeEntry.newBuilder()
                .setScope(row[2]).setContent(row[3]).setContext(row[4]).build()).iterator());
        firstId = firstId();
        bench.settle();
        bench.awaitEmbedded(importStart);
    }

    /** Runs every query of {@code set} over MCP with whole answers; the measured latency is that of whole answers. */
    private Quality quality(QuerySet set, List<String[]> queries) throws Exception {
        int[] ranks = new int[queries.size()];
        int[] sizes = new int[queries.size()];
        List<List<String>> answers = new ArrayList<>();
        bench.measure("get_task_context, " + set.name() + ", whole answers (MCP, 1 client)", 1, queries.size(),
                (client, i) -> {
                    McpSchema.CallToolResult result = mcpSearch(queries.get(i)[2], UNBUDGETED);
                    List<Long> ids = new ArrayList<>();
                    List<String> ranked = new ArrayList<>();
                    for (Object entry : (List<?>) ((Map<?, ?>) result.structuredContent()).get("results")) {
                        Map<?, ?> fields = (Map<?, ?>) entry;
                        long id = Long.parseLong((String) fields.get("id"));
                        ids.add(id);
                        ranked.add((id - firstId + 1) + ":" + fields.get("relevance")
                                + (fields.get("match") == null ? "" : ":" + fields.get("match")));
                    }
                    ranks[i] = ids.indexOf(firstId + Long.parseLong(queries.get(i)[1]) - 1) + 1;
                    sizes[i] = ids.size();
                    synchronized (answers) {
                        while (answers.size() <= i) {
                            answers.add(null);
                        }
                        answers.set(i, ranked);
                    }
                });
        keepRankings(set, "", queries, answers);
        return Quality.of(set.name(), ranks, sizes);
    }

    /**
     * With --rankings: each query's ranked answer, as {@code corpus-id:score[:match]} words, to
     * {@code <workload>-<kind><query file>} (kind: "" as served, "words-" or "meaning-" alone).
     */
    private void keepRankings(QuerySet set, String kind, List<String[]> queries, List<List<String>> answers) throws IOException {
        if (rankings == null) {
            return;
        }
        Files.createDirectories(rankings);
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(rankings.resolve(
                workload.name() + "-" + kind + set.file())))) {
            for (int i = 0; i < queries.size(); i++) {
                out.println(queries.get(i)[0] + "\t" + queries.get(i)[1] + "\t" + String.join(" ", answers.get(i)));
            }
        }
    }

    /** The model knowledge-service searches by meaning with, or null when semantic recall is off. */
    private EmbeddingModel semanticModel() {
        String model = bench.stack.knowledgeService().env("SEMANTIC_MODEL", EmbeddingModel.BGE_SMALL_EN_V15.id());
        return model.equals("none") ? null : EmbeddingModel.named(model);
    }

    /** The same queries with search.semantic_weight 0: the word ranking alone (over gRPC). */
    private Quality wordsAlone(QuerySet set, List<String[]> queries) throws IOException {
        ConfigServiceGrpc.ConfigServiceBlockingStub config = ConfigServiceGrpc.newBlockingStub(bench.channel);
        config.updateConfig(UpdateConfigRequest.newBuilder().setKey("search.semantic_weight").setValue("0").build());
        try {
            int[] ranks = new int[queries.size()];
            List<List<String>> answers = new ArrayList<>();
            for (int i = 0; i < queries.size(); i++) {
                List<TaskContextEntry> entries = bench.knowledge.withDeadlineAfter(10, TimeUnit.SECONDS).getTaskContext(
                        GetTaskContextRequest.newBuilder().setScope(scope).addQueries(queries.get(i)[2]).build())
                        .getEntriesList();
                List<Long> ids = entries.stream().map(TaskContextEntry::getId).toList();
                ranks[i] = ids.indexOf(firstId + Long.parseLong(queries.get(i)[1]) - 1) + 1;
                answers.add(entries.stream().map(entry -> (entry.getId() - firstId + 1) + ":" + entry.getRelevance()).toList());
            }
            keepRankings(set, "words-", queries, answers);
            return Quality.of(set.name() + ", words alone", ranks, null);
        } finally {
            config.resetConfig(ResetConfigRequest.newBuilder().setKey("search.semantic_weight").build());
        }
    }

    /**
     * The model alone: each query's vector (embedded here, as the service embeds it) against every
     * vector the service stored, exactly (no index), best cosine first.
     */
    private Quality meaningAlone(QuerySet set, List<String[]> queries) throws Exception {
        List<Long> ids = new ArrayList<>();
        List<byte[]> vectors = new ArrayList<>();
        try (var connection = bench.connection(); var statement = connection.createStatement();
             var rows = statement.executeQuery("SELECT knowledge_id, vector FROM knowledge_embedding ORDER BY knowledge_id")) {
            while (rows.next()) {
                ids.add(rows.getLong(1));
                vectors.add(rows.getBytes(2));
            }
        }
        int[] ranks = new int[queries.size()];
        List<List<String>> answers = new ArrayList<>();
        try (Embedder embedder = Embedder.load(semanticModel())) {
            for (int i = 0; i < queries.size(); i++) {
                byte[] query = embedder.quantize(embedder.query(queries.get(i)[2]));
                long[] scores = new long[vectors.size()];
                // the first 50, best first, the lower id first among equals: kept in a heap whose head is the worst of them
                java.util.Comparator<Integer> best = (a, b) -> scores[a] != scores[b] ? Long.compare(scores[b], scores[a])
                        : Long.compare(ids.get(a), ids.get(b));
                java.util.PriorityQueue<Integer> heap = new java.util.PriorityQueue<>(best.reversed());
                for (int j = 0; j < vectors.size(); j++) {
                    scores[j] = dot(query, vectors.get(j));
                    heap.add(j);
                    if (heap.size() > 50) {
                        heap.poll();
                    }
                }
                List<Integer> first = heap.stream().sorted(best).toList();
                long target = firstId + Long.parseLong(queries.get(i)[1]) - 1;
                ranks[i] = first.stream().map(ids::get).toList().indexOf(target) + 1;
                answers.add(first.stream().map(j -> (ids.get(j) - firstId + 1) + ":"
                        + String.format("%.4f", embedder.cosine(query, vectors.get(j)))).toList());
            }
        }
        keepRankings(set, "meaning-", queries, answers);
        return Quality.of(set.name() + ", meaning alone", ranks, null);
    }

    private static long dot(byte[] a, byte[] b) {
        long sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    private void answerSizes(String sample) {
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
    }

    /** Whether the database holds the whole corpus already (an earlier run with --reuse). */
    private boolean loadedBefore(int entries) throws Exception {
        try (var connection = bench.connection(); var statement = connection.createStatement();
             var rows = statement.executeQuery("SELECT count(*) FROM knowledge")) {
            rows.next();
            return rows.getLong(1) == entries;
        }
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
        Map<String, Object> arguments = new HashMap<>(Map.of("queries", List.of(query), "scope", scope));
        if (maxTokens != null) {
            arguments.put("max_tokens", maxTokens);
        }
        McpSchema.CallToolResult result = bench.mcp.getFirst().callTool(McpSchema.CallToolRequest
                .builder("get_task_context").arguments(arguments).build());
        SyntheticBenchmark.check(result);
        return result;
    }

    private void grpcSearch(String query) {
        bench.knowledge.withDeadlineAfter(10, TimeUnit.SECONDS).getTaskContext(GetTaskContextRequest.newBuilder()
                .setScope(scope).addQueries(query).build());
    }

    static List<String[]> rows(Path file) throws IOException {
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
