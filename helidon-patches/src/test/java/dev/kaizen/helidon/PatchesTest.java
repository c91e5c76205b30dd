package dev.kaizen.helidon;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The patches against the list in README.md: each patched class is the upstream source of the artifact
 * it replaces (from that artifact's sources jar, at the Helidon version the patches were made for)
 * with its diff applied, nothing more; the class that loads is ours and the original sits in that
 * artifact's jar behind it; and the workarounds in Kaizen's own code are exactly the ones listed.
 */
class PatchesTest {
    private static final Path README = Path.of("README.md");
    private static final Path SOURCES = Path.of("src/main/java");
    private static final Path REPOSITORY = Path.of("..");
    /** Marks a workaround in Kaizen's own code; README.md lists each class that has it. */
    private static final String MARKER = "Helidon workaround (helidon-patches/README.md)";
    private static final String VERSION = System.getProperty("patched.helidon.version");
    private static final Pattern PATCH_ROW = Pattern.compile(
            "^\\| `(io\\.helidon\\.[\\w.]+)` \\| `([\\w.-]+):([\\w.-]+)` \\| `(diffs/[\\w.]+\\.diff)` \\|");
    private static final Pattern WORKAROUND_ROW = Pattern.compile("^\\| `([\\w/.-]+\\.java)` \\|");
    private static final Pattern HUNK = Pattern.compile("^@@ -(\\d+)(?:,(\\d+))? \\+(\\d+)(?:,(\\d+))? @@");

    private record Patch(String className, String artifactId, Path diff) {
        String path() {
            return className.replace('.', '/');
        }
    }

    private static List<Patch> patches() throws IOException {
        List<Patch> patches = new ArrayList<>();
        for (String line : Files.readAllLines(README)) {
            Matcher row = PATCH_ROW.matcher(line);
            if (row.find()) {
                patches.add(new Patch(row.group(1), row.group(3), Path.of(row.group(4))));
            }
        }
        assertTrue(!patches.isEmpty(), "README.md lists the patched classes");
        return patches;
    }

    @Test
    void theReadmeNamesTheVersionTheBuildChecks() throws IOException {
        assertTrue(VERSION != null && !VERSION.isBlank(), "patched.helidon.version reaches the test");
        assertTrue(Files.readString(README).contains("Patched against: Helidon " + VERSION + "\n"),
                "README.md says the patches were made for Helidon " + VERSION);
    }

    @Test
    void everyPatchedClassIsTheUpstreamSourceWithItsDiffApplied() throws IOException {
        for (Patch patch : patches()) {
            String upstream = upstreamSource(patch);
            List<String> diff = Files.readAllLines(patch.diff());
            assertEquals("--- helidon-" + VERSION + "/" + patch.path() + ".java", diff.getFirst(),
                    patch.diff() + " is a diff against Helidon " + VERSION);
            String ours = Files.readString(SOURCES.resolve(patch.path() + ".java"));
            assertEquals(ours, apply(upstream, diff, patch.diff()),
                    patch.diff() + " applied to the upstream source gives " + patch.path() + ".java: regenerate the diff "
                    + "(README.md) or undo the change that is not in it");
        }
    }

    @Test
    void thePatchedClassLoadsAheadOfTheOneInTheJarItReplaces() throws Exception {
        for (Patch patch : patches()) {
            Class<?> loaded = Class.forName(patch.className(), false, getClass().getClassLoader());
            String location = loaded.getProtectionDomain().getCodeSource().getLocation().toString();
            assertTrue(location.endsWith("helidon-patches/target/classes/") || location.contains("kaizen-helidon-patches"),
                    patch.className() + " loads from " + location + ", not from the patches");
            List<URL> all = Collections.list(getClass().getClassLoader().getResources(patch.path() + ".class"));
            String jar = "/" + patch.artifactId() + "-" + VERSION + ".jar!";
            assertTrue(all.stream().anyMatch(url -> url.toString().contains(jar)),
                    "the original " + patch.className() + " is in " + patch.artifactId() + "-" + VERSION + ".jar: " + all);
        }
    }

    @Test
    void theReadmeListsEveryPatchedClassAndEveryDiff() throws IOException {
        Set<String> listed = new TreeSet<>();
        Set<String> diffs = new TreeSet<>();
        for (Patch patch : patches()) {
            listed.add(patch.path() + ".java");
            diffs.add(patch.diff().toString());
        }
        try (Stream<Path> files = Files.walk(SOURCES)) {
            assertEquals(listed, files.filter(Files::isRegularFile).map(file -> SOURCES.relativize(file).toString())
                    .collect(java.util.stream.Collectors.toCollection(TreeSet::new)), "patched classes in README.md");
        }
        try (Stream<Path> files = Files.list(Path.of("diffs"))) {
            assertEquals(diffs, files.map(Path::toString).collect(java.util.stream.Collectors.toCollection(TreeSet::new)),
                    "diffs in README.md");
        }
    }

    @Test
    void theReadmeListsExactlyTheWorkaroundsInKaizensCode() throws IOException {
        Set<String> listed = new TreeSet<>();
        for (String line : Files.readAllLines(README)) {
            Matcher row = WORKAROUND_ROW.matcher(line);
            if (row.find()) {
                listed.add(row.group(1));
            }
        }
        Set<String> marked = new TreeSet<>();
        try (Stream<Path> files = Files.walk(REPOSITORY)) {
            for (Path file : files.filter(file -> file.toString().endsWith(".java") && file.toString().contains("/src/main/java/")
                    && !REPOSITORY.relativize(file).normalize().startsWith("helidon-patches") && !file.toString().contains("/target/")).toList()) {
                if (Files.readString(file).contains(MARKER)) {
                    marked.add(REPOSITORY.relativize(file).normalize().toString());
                }
            }
        }
        assertEquals(listed, marked, "classes marked '" + MARKER + "' and the workarounds README.md lists");
    }

    /** The upstream source of the patched class, from the sources jar of the artifact it replaces. */
    private static String upstreamSource(Patch patch) throws IOException {
        String jar = "/" + patch.artifactId() + "-" + VERSION + "-sources.jar!";
        for (URL url : Collections.list(PatchesTest.class.getClassLoader().getResources(patch.path() + ".java"))) {
            if (url.toString().contains(jar)) {
                try (InputStream in = url.openStream()) {
                    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            }
        }
        throw new AssertionError("no " + patch.path() + ".java in " + patch.artifactId() + "-" + VERSION
                + "-sources.jar: the class is not in the artifact README.md names, or the version differs");
    }

    /** {@code source} with the unified diff applied; fails where a context or removed line does not match. */
    static String apply(String source, List<String> diff, Path name) {
        List<String> lines = new ArrayList<>(List.of(source.split("\n", -1)));
        int offset = 0;
        for (int i = 2; i < diff.size(); ) {
            Matcher hunk = HUNK.matcher(diff.get(i));
            assertTrue(hunk.find(), name + ": line " + (i + 1) + " starts no hunk: " + diff.get(i));
            int at = Integer.parseInt(hunk.group(1)) - 1 + offset;
            if (hunk.group(2) != null && hunk.group(2).equals("0")) {
                at++;
            }
            i++;
            for (; i < diff.size() && !diff.get(i).startsWith("@@"); i++) {
                String line = diff.get(i);
                if (line.startsWith("\\")) {
                    continue; // "\ No newline at end of file"
                }
                String text = line.isEmpty() ? "" : line.substring(1);
                char kind = line.isEmpty() ? ' ' : line.charAt(0);
                switch (kind) {
                    case ' ' -> {
                        assertEquals(text, lines.get(at), name + ": context line " + (at + 1));
                        at++;
                    }
                    case '-' -> {
                        assertEquals(text, lines.get(at), name + ": removed line " + (at + 1));
                        lines.remove(at);
                        offset--;
                    }
                    case '+' -> {
                        lines.add(at, text);
                        at++;
                        offset++;
                    }
                    default -> throw new AssertionError(name + ": line " + (i + 1) + " is not part of a hunk: " + line);
                }
            }
        }
        return String.join("\n", lines);
    }
}
