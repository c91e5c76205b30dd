package dev.kaizen.system;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.kaizen.stack.ServiceProcess;
import dev.kaizen.stack.Stack;
import io.modelcontextprotocol.client.McpSyncClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ./kaizen export} and {@code ./kaizen import} between two stacks: a round trip leaves identical
 * knowledge, structure included, and an import reports what it refused and why.
 */
class TransferTest {
    @TempDir
    Path folder;

    @Test
    void exportThenImportIntoAnotherStackLeavesIdenticalKnowledge() throws Exception {
        try (Stack source = Stack.start("transfer_source"); Stack target = Stack.start("transfer_target")) {
            McpSyncClient mcp = Mcp.client(source.gateway(), Map.of());
            Mcp.ok(mcp, "create_namespace", Map.of("name", "acme", "description", "Acme"));
            Mcp.ok(mcp, "create_namespace", Map.of("name", "partner", "description", "A partner"));
            Mcp.ok(mcp, "create_scope", Map.of("scope", "partner:shared", "description", "Shared"));
            Mcp.ok(mcp, "create_scope", Map.of("scope", "acme:web", "description", "Web", "parents", List.of("partner:shared")));
            Mcp.ok(mcp, "create_scope", Map.of("scope", "acme:checkout", "description", "Checkout",
                    "parents", List.of("acme:web")));
            String kept = (String) Mcp.ok(mcp, "write_knowledge", Map.of("scope", "acme:checkout", "content",
                    "Keep the cart in the session. 🛒 Ünïcödé stays.", "context", "cart session", "task_size", "M",
                    "valid_until", "2099-03-31T09:00:00+02:00")).get("id");
            String hidden = (String) Mcp.ok(mcp, "write_knowledge", Map.of("scope", "acme:web", "content",
                    "An older rule.", "context", "cart old")).get("id");
            Mcp.ok(mcp, "write_knowledge", Map.of("scope", "partner:shared", "content", "Partners sign requests.",
                    "context", "signing"));
            Mcp.ok(mcp, "write_knowledge", Map.of("scope", "global:default", "content", "Everyone reads this.",
                    "context", "everyone"));
            Mcp.ok(mcp, "resolve_knowledge_conflict", Map.of("active_id", kept, "suppressed_ids", List.of(hidden)));
            Mcp.ok(mcp, "update_knowledge", Map.of("id", kept, "content", "Keep the cart in the session. 🛒 Ünïcödé stays. "
                    + "Always."));
            String deleted = (String) Mcp.ok(mcp, "write_knowledge", Map.of("scope", "acme:web", "content",
                    "A rule that was dropped.", "context", "dropped")).get("id");
            Mcp.ok(mcp, "delete_knowledge", Map.of("id", deleted));
            List<Object> sourceVersions = versions(mcp, kept);
            mcp.closeGracefully();

            Path file = folder.resolve("knowledge.jsonl");
            Result exported = kaizen(source, List.of("export"), file);
            assertEquals(0, exported.status(), exported.err());
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            assertEquals(2 + 3 + 4, lines.size(), String.join("\n", lines));
            assertTrue(lines.getFirst().startsWith("{\"kind\":\"namespace\""), lines.getFirst());
            assertEquals(1, lines.stream().filter(line -> line.contains("\"valid_until\":\"2099-03-31T07:00:00Z\"")).count(),
                    String.join("\n", lines));
            Path withHistory = folder.resolve("with-history.jsonl");
            exported = kaizen(source, List.of("export", "--with-history"), withHistory);
            assertEquals(0, exported.status(), exported.err());
            assertEquals(2 + 3 + 4 + 1, Files.readAllLines(withHistory).size(), "and the deleted entry's history");

            Result imported = kaizen(target, List.of("import", withHistory.toString()), null);
            assertEquals(0, imported.status(), imported.err());
            assertTrue(imported.err().contains("Imported 2 namespaces, 3 scopes and 4 knowledge entries"), imported.err());
            assertTrue(imported.err().contains("the history of 1 deleted entries"), imported.err());

            Path again = folder.resolve("again.jsonl");
            assertEquals(0, kaizen(target, List.of("export"), again).status());
            assertEquals(lines, Files.readAllLines(again, StandardCharsets.UTF_8), "the round trip changes nothing");

            Result twice = kaizen(target, List.of("import", withHistory.toString()), null);
            assertEquals(0, twice.status(), twice.err());
            assertTrue(twice.err().contains("and 0 knowledge entries") && twice.err().contains("4 entries were there "
                    + "already") && !twice.err().contains("deleted entries"), "importing is idempotent: " + twice.err());
            assertEquals(0, kaizen(target, List.of("export"), again).status());
            assertEquals(lines, Files.readAllLines(again, StandardCharsets.UTF_8), "nothing stored twice");

            McpSyncClient onTarget = Mcp.client(target.gateway(), Map.of());
            String copy = (String) ((Map<?, ?>) ((List<?>) Mcp.ok(onTarget, "get_task_context", Map.of("queries",
                    List.of("cart session"), "scope", "acme:checkout")).get("results")).getFirst()).get("id");
            List<Object> targetVersions = versions(onTarget, copy);
            assertEquals(sourceVersions, targetVersions.subList(0, targetVersions.size() - 1), "every version came along");
            assertEquals("import", ((Map<?, ?>) targetVersions.getLast()).get("action"));
            String restored;
            try (var connection = java.sql.DriverManager.getConnection(target.databaseUrl(), target.postgres().user(),
                    target.postgres().password()); var rows = connection.createStatement().executeQuery(
                    "SELECT knowledge_id FROM knowledge_version WHERE action = 'delete'")) {
                assertTrue(rows.next());
                restored = rows.getString(1);
                assertTrue(!rows.next(), "one deleted entry's history, imported once");
            }
            assertEquals("acme:web", Mcp.ok(onTarget, "restore_knowledge", Map.of("id", restored)).get("scope"),
                    "the deleted entry can be brought back on the target");
            onTarget.closeGracefully();

            Path one = folder.resolve("acme.jsonl");
            assertEquals(0, kaizen(source, List.of("export", "--namespace", "partner"), one).status());
            assertEquals(3, Files.readAllLines(one).size(), "one namespace: its line, its scope, its entry");
        }
    }

    @Test
    void anImportReportsWhatItRefusedAndWhyAndStoresTheRest() throws Exception {
        Stack stack = Stack.shared();
        String ns = Mcp.unique("imports");
        Path file = folder.resolve("mixed.jsonl");
        Files.write(file, List.of(
                "{\"kind\":\"namespace\",\"name\":\"" + ns + "\",\"description\":\"Imports\"}",
                "{\"kind\":\"knowledge\",\"scope\":\"" + ns + ":default\",\"content\":\"Good one.\",\"context\":\"good\"}",
                "{\"kind\":\"knowledge\",\"scope\":\"" + ns + ":missing\",\"content\":\"Nowhere.\",\"context\":\"lost\"}",
                "not json at all",
                "{\"kind\":\"knowledge\",\"scope\":\"" + ns + ":default\",\"content\":\"Bad keywords.\",\"context\":\"Not Valid\"}",
                "{\"kind\":\"knowledge\",\"scope\":\"" + ns + ":default\",\"content\":\"Good two.\",\"context\":\"good\","
                        + "\"task_size\":\"huge\"}",
                "{\"kind\":\"knowledge\",\"scope\":\"" + ns + ":default\",\"content\":\"Good three.\",\"context\":\"good\"}",
                "{\"kind\":\"knowledge\",\"scope\":\"" + ns + ":default\",\"content\":\"Soon.\",\"context\":\"good\","
                        + "\"valid_until\":\"soon\"}",
                "{\"kind\":\"knowledge\",\"scope\":\"" + ns + ":default\",\"content\":\"Expired, as it was.\","
                        + "\"context\":\"good\",\"valid_until\":\"2020-01-01T00:00:00Z\"}"),
                StandardCharsets.UTF_8);
        Result imported = kaizen(stack, List.of("import", file.toString()), null);
        assertEquals(3, imported.status(), "refusals make the exit status 3");
        String report = imported.err();
        assertTrue(report.contains("Imported 1 namespaces, 0 scopes and 3 knowledge entries"), report);
        assertTrue(report.contains("line 3: scope '" + ns + ":missing' does not exist"), report);
        assertTrue(report.contains("line 4: not a JSON object"), report);
        assertTrue(report.contains("line 5: context keyword 'Not' is not valid"), report);
        assertTrue(report.contains("line 6: \"task_size\" must be null or one of XS, S, M, L, XL"), report);
        assertTrue(report.contains("line 8: \"valid_until\" 'soon' is not a time: give an RFC 3339 time"), report);
        Mcp.assertNoInternals(report);
    }

    @Test
    void anImportLargerThanOneRequestMayBeIsSentInBatchesTheServiceReads() throws Exception {
        Stack stack = Stack.shared();
        String ns = Mcp.unique("large");
        List<String> lines = new ArrayList<>(List.of("{\"kind\":\"namespace\",\"name\":\"" + ns + "\",\"description\":\"Large\"}"));
        // 120 entries of 80 KB each: 9.6 MB, more than twice the 4 MiB knowledge-service reads in one message
        for (int i = 0; i < 120; i++) {
            lines.add("{\"kind\":\"knowledge\",\"scope\":\"" + ns + ":default\",\"content\":\"Entry " + i + " "
                    + "é".repeat(40_000) + "\",\"context\":\"long\"}");
        }
        Path file = folder.resolve("large.jsonl");
        Files.write(file, lines, StandardCharsets.UTF_8);
        Result imported = kaizen(stack, List.of("import", file.toString()), null);
        assertEquals(0, imported.status(), imported.err());
        assertTrue(imported.err().contains("Imported 1 namespaces, 0 scopes and 120 knowledge entries"), imported.err());
        Path again = folder.resolve("large-again.jsonl");
        assertEquals(0, kaizen(stack, List.of("export", "--namespace", ns), again).status());
        assertEquals(121, Files.readAllLines(again, StandardCharsets.UTF_8).size());
    }

    private record Result(int status, String err) {
    }

    /** Runs the launcher's command against {@code stack}'s knowledge-service; stdout to {@code out} if given. */
    private Result kaizen(Stack stack, List<String> arguments, Path out) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(ServiceProcess.jvm());
        command.add(ServiceProcess.REPOSITORY.resolve("launcher/target/kaizen-launcher.jar").toString());
        command.addAll(arguments);
        Path err = Files.createTempFile(folder, "err", ".txt");
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(err.toFile())
                .redirectOutput(out == null ? ProcessBuilder.Redirect.DISCARD : ProcessBuilder.Redirect.to(out.toFile()));
        builder.environment().put("KAIZEN_GRPC_TARGET", stack.grpcTarget());
        Process process = builder.start();
        assertTrue(process.waitFor(2, TimeUnit.MINUTES), "the command finishes");
        return new Result(process.exitValue(), Files.readString(err));
    }

    /** An entry's versions, oldest first, without their numbers and times (as another stack numbers them anew). */
    @SuppressWarnings("unchecked")
    private static List<Object> versions(McpSyncClient mcp, String id) {
        List<Object> versions = new ArrayList<>();
        for (Object version : (List<Object>) Mcp.ok(mcp, "get_knowledge_history", Map.of("id", id)).get("versions")) {
            Map<String, Object> fields = new java.util.HashMap<>((Map<String, Object>) version);
            fields.remove("version");
            versions.addFirst(fields);
        }
        return versions;
    }
}
