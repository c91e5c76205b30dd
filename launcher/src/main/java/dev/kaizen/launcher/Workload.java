package dev.kaizen.launcher;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * The shared benchmark workload (launcher/bench-workload, a copy of the team's shared bench folder):
 * the deterministic 100,000-entry corpus written by gen_corpus.py, the insert pool and the query pool.
 */
record Workload(List<Entry> corpus, List<Entry> inserts, List<List<String>> queries) {
    /** Corpus scope ids of gen_corpus.py, index = id. */
    static final List<String> SCOPES = List.of("", "global:default", "bench:default", "bench:api", "bench:db", "bench:ui");

    /** An entry; {@code scope} is canonical, {@code taskSize} null for none. */
    record Entry(String scope, String content, String context, String taskSize) {
    }

    /** Reads the workload from {@code source}, generating the corpus into {@code work} on first use. */
    static Workload load(Path source, Path work) throws IOException, InterruptedException {
        Files.createDirectories(work);
        Path corpus = work.resolve("corpus.tsv");
        if (!Files.exists(corpus)) {
            for (String file : List.of("gen_corpus.py", "vocab.tsv")) {
                Files.copy(source.resolve(file), work.resolve(file), StandardCopyOption.REPLACE_EXISTING);
            }
            System.out.println("Generating the 100,000-entry corpus with gen_corpus.py (python3) ...");
            Process python = new ProcessBuilder("python3", "gen_corpus.py").directory(work.toFile()).inheritIO().start();
            if (python.waitFor() != 0) {
                throw new IllegalStateException("gen_corpus.py failed; python3 is needed to generate the corpus");
            }
        }
        // gen_corpus.py rewrites the pools too; read the committed ones so every run uses the same
        return new Workload(
                rows(corpus).map(row -> entry(SCOPES.get(Integer.parseInt(row[1])), row[2], row[3], row[4])).toList(),
                rows(source.resolve("insert_pool.tsv")).map(row -> entry("bench:default", row[1], row[2], row[3])).toList(),
                rows(source.resolve("query_pool.tsv")).map(row -> List.of(row[1], row[2], row[3])).toList());
    }

    private static Entry entry(String scope, String content, String context, String taskSize) {
        return new Entry(scope, content, context, "\\N".equals(taskSize) ? null : taskSize);
    }

    private static Stream<String[]> rows(Path file) throws IOException {
        return Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(line -> !line.isEmpty())
                .map(line -> line.split("\t", -1));
    }
}
