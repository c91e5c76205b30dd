package dev.kaizen.launcher;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

import dev.kaizen.api.v1.ConfigServiceGrpc;
import dev.kaizen.api.v1.CreateNamespaceRequest;
import dev.kaizen.api.v1.CreateScopeRequest;
import dev.kaizen.api.v1.KnowledgeEntry;
import dev.kaizen.api.v1.NamespaceServiceGrpc;
import dev.kaizen.api.v1.ResetConfigRequest;
import dev.kaizen.api.v1.ScopeServiceGrpc;
import dev.kaizen.api.v1.UpdateConfigRequest;
import io.modelcontextprotocol.spec.McpSchema;

/**
 * {@code ./kaizen bench near-duplicates}: how well write_knowledge names near-duplicates, and what
 * the check costs a write. The Debian corpus is loaded except 500 entries held out (a fixed seed);
 * then, through write_knowledge over MCP (one client), into each entry's section scope:
 * <ul>
 *     <li>500 light edits of stored entries: sentences in another order and one word replaced by a
 *     word of another description (each should be named);</li>
 *     <li>500 lint-rule explanations of the rules workload, text on another subject (none should
 *     be);</li>
 *     <li>the 500 held-out Debian entries: new packages, many of them siblings of stored ones whose
 *     descriptions differ in a word or two (Debian writes its descriptions from templates).</li>
 * </ul>
 * The cost: the other 452 rule explanations are written alternately with the check off
 * ({@code write.similar_limit} 0) and on, and the two medians compared.
 */
final class NearDuplicateBenchmark {
    private static final int SET = 500;
    private static final Pattern SENTENCE_END = Pattern.compile("(?<=[.!?])\\s+");

    private final Benchmark bench;
    private final Path workloads;

    NearDuplicateBenchmark(Benchmark bench, Path workloads) {
        this.bench = bench;
        this.workloads = workloads;
    }

    void run() throws Exception {
        List<String[]> corpus = KnownItemBenchmark.rows(workloads.resolve("debian/corpus.tsv.gz"));
        List<String[]> rules = KnownItemBenchmark.rows(workloads.resolve("rules/corpus.tsv.gz"));
        Random random = new Random(18);
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < corpus.size(); i++) {
            order.add(i);
        }
        Collections.shuffle(order, random);
        Set<Integer> heldOut = new HashSet<>(order.subList(0, SET));
        List<Integer> edited = order.subList(SET, 2 * SET);

        NamespaceServiceGrpc.newBlockingStub(bench.channel).createNamespace(CreateNamespaceRequest.newBuilder()
                .setName("debian").setDescription("Debian packages").build());
        TreeSet<String> sections = new TreeSet<>();
        corpus.forEach(row -> sections.add(row[2]));
        for (String section : sections) {
            ScopeServiceGrpc.newBlockingStub(bench.channel).createScope(CreateScopeRequest.newBuilder()
                    .setScope(section).setDescription("Section " + section.substring(section.indexOf(':') + 1)).build());
        }
        List<String[]> stored = new ArrayList<>();
        for (int i = 0; i < corpus.size(); i++) {
            if (!heldOut.contains(i)) {
                stored.add(corpus.get(i));
            }
        }
        bench.importEntries("the Debian corpus without the 500 held out", stored.stream().map(row -> KnowledgeEntry
                .newBuilder().setScope(row[2]).setContent(row[3]).setContext(row[4]).build()).iterator());
        bench.settle();

        List<String> vocabulary = new ArrayList<>();
        for (String[] row : corpus.subList(0, 5000)) {
            for (String word : row[3].split("\\s+")) {
                if (word.matches("[a-z]{4,}")) {
                    vocabulary.add(word);
                }
            }
        }
        List<String[]> edits = edited.stream().map(i -> {
            String[] row = corpus.get(i);
            return new String[] {row[2], lightEdit(row[3], vocabulary, random), row[4], row[1]};
        }).toList();
        List<String> names = new ArrayList<>(sections);
        List<String[]> unrelated = new ArrayList<>();
        for (int i = 0; i < rules.size(); i++) {
            String[] rule = rules.get(i);
            unrelated.add(new String[] {names.get(i % names.size()), rule[3], "lint rule " + rule[1].toLowerCase(), rule[1]});
        }
        List<String[]> held = heldOut.stream().sorted().map(i -> {
            String[] row = corpus.get(i);
            return new String[] {row[2], row[3], row[4], row[1]};
        }).toList();

        System.out.printf("%nNear-duplicates named by write_knowledge (MCP, 1 client; write.similarity_threshold 0.8):%n");
        Result edit = write("light edits of stored entries", edits);
        Result rule = write("lint-rule explanations (another subject)", unrelated.subList(0, SET));
        Result debian = write("held-out Debian entries (new packages)", held);
        Result cost = writeAlternating("the other lint-rule explanations", unrelated.subList(SET, unrelated.size()));
        System.out.printf("%n| set | entries | named as near-duplicate | share |%n| --- | ---: | ---: | ---: |%n");
        for (Result result : List.of(edit, rule, debian)) {
            System.out.printf("| %s | %d | %d | %.1f%% |%n", result.name, result.count, result.flagged,
                    100.0 * result.flagged / result.count);
        }
        System.out.printf("%nwrite_knowledge p50 (MCP, 1 client), entries without near-duplicates: check off %.2f ms, "
                + "on %.2f ms (%.2fx; %d lint-rule explanations written alternately)%n", cost.off.p50Millis(),
                cost.on.p50Millis(), cost.on.p50Millis() / cost.off.p50Millis(), cost.count * 2);
        System.out.printf("write_knowledge p50 with the check on: light edits %.2f ms, held-out Debian %.2f ms, "
                + "lint rules %.2f ms%n", edit.on.p50Millis(), debian.on.p50Millis(), rule.on.p50Millis());
        System.out.printf("%nHeld-out Debian entries named, first 10 (new package -> closest stored entry):%n");
        debian.examples.stream().limit(10).forEach(System.out::println);
    }

    /** Sentences in another order (when there are several) and one word replaced. */
    private static String lightEdit(String content, List<String> vocabulary, Random random) {
        List<String> sentences = new ArrayList<>(List.of(SENTENCE_END.split(content)));
        if (sentences.size() > 1) {
            List<String> before = List.copyOf(sentences);
            while (sentences.equals(before)) {
                Collections.shuffle(sentences, random);
            }
        }
        String[] words = String.join(" ", sentences).split(" ");
        words[random.nextInt(words.length)] = vocabulary.get(random.nextInt(vocabulary.size()));
        return String.join(" ", words);
    }

    private static final class Result {
        final String name;
        final int count;
        int flagged;
        Stats on;
        Stats off;
        final List<String> examples = new ArrayList<>();

        Result(String name, int count) {
            this.name = name;
            this.count = count;
        }
    }

    private Result write(String name, List<String[]> entries) throws Exception {
        Result result = new Result(name, entries.size());
        List<Long> nanos = new ArrayList<>();
        long wall = System.nanoTime();
        for (String[] entry : entries) {
            long start = System.nanoTime();
            List<?> similar = writeKnowledge(entry);
            nanos.add(System.nanoTime() - start);
            count(result, entry, similar);
        }
        result.on = Stats.of("write_knowledge, " + name, nanos, System.nanoTime() - wall);
        System.out.println(result.on.row());
        return result;
    }

    /** Even entries with the check off, odd ones with it on; only the latter count as named. */
    private Result writeAlternating(String name, List<String[]> entries) throws Exception {
        Result result = new Result(name, entries.size() / 2);
        ConfigServiceGrpc.ConfigServiceBlockingStub config = ConfigServiceGrpc.newBlockingStub(bench.channel);
        List<Long> on = new ArrayList<>();
        List<Long> off = new ArrayList<>();
        long wall = System.nanoTime();
        try {
            for (int i = 0; i < entries.size(); i++) {
                boolean checked = i % 2 == 1;
                config.updateConfig(UpdateConfigRequest.newBuilder().setKey("write.similar_limit")
                        .setValue(checked ? "3" : "0").build());
                long start = System.nanoTime();
                List<?> similar = writeKnowledge(entries.get(i));
                (checked ? on : off).add(System.nanoTime() - start);
                if (checked) {
                    count(result, entries.get(i), similar);
                }
            }
        } finally {
            config.resetConfig(ResetConfigRequest.newBuilder().setKey("write.similar_limit").build());
        }
        long wallNanos = System.nanoTime() - wall;
        result.on = Stats.of("write_knowledge, " + name + ", check on", on, wallNanos / 2);
        result.off = Stats.of("write_knowledge, " + name + ", check off", off, wallNanos / 2);
        System.out.println(result.off.row());
        System.out.println(result.on.row());
        return result;
    }

    private void count(Result result, String[] entry, List<?> similar) throws Exception {
        if (similar.isEmpty()) {
            return;
        }
        result.flagged++;
        Map<?, ?> closest = (Map<?, ?>) similar.getFirst();
        try (var connection = bench.connection(); var statement = connection.prepareStatement(
                "SELECT left(content, 70) FROM knowledge_text WHERE knowledge_id = ?")) {
            statement.setLong(1, Long.parseLong((String) closest.get("id")));
            try (var rows = statement.executeQuery()) {
                rows.next();
                result.examples.add(String.format("  %s (%.3f): \"%s...\" -> \"%s...\"", entry[3], closest.get("similarity"),
                        entry[1].substring(0, Math.min(70, entry[1].length())), rows.getString(1)));
            }
        }
    }

    /** Writes {@code entry} (scope, content, context) as an agent does; answers the near-duplicates named. */
    private List<?> writeKnowledge(String[] entry) {
        McpSchema.CallToolResult result = bench.mcp.getFirst().callTool(McpSchema.CallToolRequest.builder("write_knowledge")
                .arguments(Map.of("scope", entry[0], "content", entry[1], "context", entry[2])).build());
        SyntheticBenchmark.check(result);
        return (List<?>) ((Map<?, ?>) result.structuredContent()).get("similar");
    }
}
