package dev.kaizen.launcher;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.stream.Stream;

import dev.kaizen.api.v1.KnowledgeEntry;

/**
 * The shared synthetic workload (launcher/bench-workload, a copy of the team's shared bench folder):
 * a deterministic corpus written by gen_corpus.py (100,000 entries, or any size), the insert pool and
 * the query pool.
 */
record Workload(Path corpus, int size, List<Entry> inserts, List<List<String>> queries) {
    /** Corpus scope ids of gen_corpus.py, index = id. */
    static final List<String> SCOPES = List.of("", "global:default", "bench:default", "bench:api", "bench:db", "bench:ui");

    /** An entry; {@code scope} is canonical, {@code taskSize} null for none. */
    record Entry(String scope, String content, String context, String taskSize) {
        KnowledgeEntry knowledge() {
            return KnowledgeEntry.newBuilder().setScope(scope).setContent(content).setContext(context)
                    .setTaskSize(Benchmark.taskSize(taskSize)).build();
        }
    }

    /** Reads the workload from {@code source}, generating a corpus of {@code size} entries into {@code work} on first use. */
    static Workload load(Path source, Path work, int size) throws IOException, InterruptedException {
        Files.createDirectories(work);
        Path corpus = work.resolve(size == 100_000 ? "corpus.tsv" : "corpus-" + size + ".tsv");
        if (!Files.exists(corpus)) {
            for (String file : List.of("gen_corpus.py", "vocab.tsv")) {
                Files.copy(source.resolve(file), work.resolve(file), StandardCopyOption.REPLACE_EXISTING);
            }
            System.out.printf("Generating the %,d-entry corpus with gen_corpus.py (python3) ...%n", size);
            Process python = new ProcessBuilder("python3", "gen_corpus.py", String.valueOf(size)).directory(work.toFile())
                    .inheritIO().start();
            if (python.waitFor() != 0) {
                throw new IllegalStateException("gen_corpus.py failed; python3 is needed to generate the corpus");
            }
        }
        // gen_corpus.py rewrites the pools too; read the committed ones so every run uses the same
        return new Workload(corpus, size,
                rows(source.resolve("insert_pool.tsv")).map(row -> entry("bench:default", row[1], row[2], row[3])).toList(),
                rows(source.resolve("query_pool.tsv")).map(row -> List.of(row[1], row[2], row[3])).toList());
    }

    /** The corpus, read as it is consumed: a million entries need not fit in memory. */
    Iterator<Entry> entries() {
        try {
            BufferedReader lines = Files.newBufferedReader(corpus, StandardCharsets.UTF_8);
            return new Iterator<>() {
                private String next = lines.readLine();

                @Override
                public boolean hasNext() {
                    return next != null;
                }

                @Override
                public Entry next() {
                    if (next == null) {
                        throw new NoSuchElementException();
                    }
                    String[] row = next.split("\t", -1);
                    try {
                        next = lines.readLine();
                        if (next == null) {
                            lines.close();
                        }
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    return entry(SCOPES.get(Integer.parseInt(row[1])), row[2], row[3], row[4]);
                }
            };
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The next {@code count} (or fewer) of {@code entries}, as ImportKnowledge takes them. */
    static Iterator<KnowledgeEntry> knowledge(Iterator<Entry> entries, int count) {
        return new Iterator<>() {
            private int taken;

            @Override
            public boolean hasNext() {
                return taken < count && entries.hasNext();
            }

            @Override
            public KnowledgeEntry next() {
                taken++;
                return entries.next().knowledge();
            }
        };
    }

    private static Entry entry(String scope, String content, String context, String taskSize) {
        return new Entry(scope, content, context, "\\N".equals(taskSize) ? null : taskSize);
    }

    private static Stream<String[]> rows(Path file) throws IOException {
        return Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(line -> !line.isEmpty())
                .map(line -> line.split("\t", -1));
    }
}
