package dev.kaizen.system;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import dev.kaizen.stack.Await;
import dev.kaizen.stack.ServiceProcess;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ./kaizen run} killed with SIGKILL, PostgreSQL and both services included, while 8 MCP
 * clients write: started again on the same data folder, it has every write it acknowledged, and
 * no entry is half written.
 */
class CrashTest {
    private static final int CLIENTS = 8;

    @TempDir
    Path home;

    @Test
    void everyAcknowledgedWriteSurvivesASigkillOfTheWholeStack() throws Exception {
        Map<String, String> env = Map.of(
                "KAIZEN_DATA_DIR", home.resolve("postgres").toString(),
                "KAIZEN_MCP_PORT", String.valueOf(ServiceProcess.freePort()),
                "KAIZEN_MCP_ADMIN_PORT", String.valueOf(ServiceProcess.freePort()),
                "KAIZEN_GRPC_PORT", String.valueOf(ServiceProcess.freePort()),
                "KAIZEN_GRPC_ADMIN_PORT", String.valueOf(ServiceProcess.freePort()),
                "KAIZEN_POSTGRES_PORT", String.valueOf(ServiceProcess.freePort()));
        Process run = run(env, "first");
        String mcpUrl = "http://127.0.0.1:" + env.get("KAIZEN_MCP_PORT");
        Mcp.ok(client(mcpUrl), "create_namespace", Map.of("name", "crash", "description", "Crash test"));

        Map<Long, String> acknowledged = new ConcurrentHashMap<>();
        AtomicBoolean writing = new AtomicBoolean(true);
        List<Future<?>> writers = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(CLIENTS)) {
            for (int client = 0; client < CLIENTS; client++) {
                int me = client;
                writers.add(pool.submit(() -> write(client(mcpUrl), me, writing, acknowledged)));
            }
            Await.until("the clients have written for a while", Duration.ofSeconds(60), () -> acknowledged.size() >= 300);
            killEverything(run, Path.of(env.get("KAIZEN_DATA_DIR")));
            writing.set(false);
            for (Future<?> writer : writers) {
                writer.get();
            }
        }

        Process again = run(env, "second");
        try (Connection db = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + env.get("KAIZEN_POSTGRES_PORT")
                + "/kaizen", "postgres", "")) {
            Map<Long, String> stored = new java.util.HashMap<>();
            try (PreparedStatement select = db.prepareStatement("""
                    SELECT k.id, t.content FROM knowledge k JOIN knowledge_text t ON t.knowledge_id = k.id
                    WHERE k.id = ANY (?)""")) {
                select.setArray(1, db.createArrayOf("bigint", acknowledged.keySet().toArray()));
                try (ResultSet rows = select.executeQuery()) {
                    while (rows.next()) {
                        stored.put(rows.getLong(1), rows.getString(2));
                    }
                }
            }
            List<Long> lost = acknowledged.keySet().stream().filter(id -> !acknowledged.get(id).equals(stored.get(id)))
                    .sorted().toList();
            assertEquals(List.of(), lost, () -> lost.size() + " of " + acknowledged.size()
                    + " acknowledged writes are missing or changed after the crash");
            try (Statement statement = db.createStatement(); ResultSet half = statement.executeQuery("""
                    SELECT (SELECT count(*) FROM knowledge k WHERE NOT EXISTS
                               (SELECT 1 FROM knowledge_text t WHERE t.knowledge_id = k.id))
                         + (SELECT count(*) FROM knowledge_text t WHERE NOT EXISTS
                               (SELECT 1 FROM knowledge k WHERE k.id = t.knowledge_id))""")) {
                half.next();
                assertEquals(0, half.getLong(1), "no entry is half written");
            }
            System.out.println("CrashTest: " + acknowledged.size() + " writes acknowledged by " + CLIENTS
                    + " MCP clients before the SIGKILL; all of them found after the restart");
        } finally {
            again.destroy();
            assertEquals(143, again.waitFor(), "the second run stops on SIGTERM, stopping what it started");
        }
    }

    private static void write(McpSyncClient mcp, int client, AtomicBoolean writing, Map<Long, String> acknowledged) {
        for (int i = 0; writing.get(); i++) {
            String content = "Entry " + i + " of client " + client + ".";
            try {
                McpSchema.CallToolResult result = Mcp.call(mcp, "write_knowledge", Map.of("scope", "crash:default",
                        "content", content, "context", "crash durability"));
                if (!result.isError()) {
                    acknowledged.put(Long.parseLong((String) ((Map<?, ?>) result.structuredContent()).get("id")), content);
                }
            } catch (RuntimeException e) {
                // the stack is gone: this write was not acknowledged
            }
        }
    }

    /** SIGKILL at once for the run, both services and PostgreSQL with every backend. */
    private static void killEverything(Process run, Path data) throws IOException {
        List<ProcessHandle> victims = new ArrayList<>();
        run.toHandle().descendants().forEach(victims::add);
        // the services and PostgreSQL run on after the launcher that started them: <data folder>.pids names them
        for (String pid : Files.readString(data.resolveSibling(data.getFileName() + ".pids")).strip().split("\\s+")) {
            ProcessHandle.of(Long.parseLong(pid)).ifPresent(process -> {
                victims.add(process);
                process.descendants().forEach(victims::add);
            });
        }
        victims.add(run.toHandle());
        victims.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle victim : victims) {
            victim.onExit().join();
        }
    }

    /** {@code ./kaizen run}, waited for until the gateway is ready. */
    private Process run(Map<String, String> env, String name) throws IOException {
        List<String> command = List.of(ServiceProcess.REPOSITORY.resolve("kaizen").toString(), "run");
        Path log = home.resolve(name + "-run.log");
        ProcessBuilder builder = new ProcessBuilder(command).directory(ServiceProcess.REPOSITORY.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(env);
        // the jars this Maven build just made, as they are
        builder.environment().put("KAIZEN_SKIP_BUILD", "1");
        Process process = builder.start();
        String ready = "http://127.0.0.1:" + env.get("KAIZEN_MCP_ADMIN_PORT") + "/observe/health/ready";
        Await.until("the " + name + " run is ready (" + log + ")", Duration.ofSeconds(120), () -> {
            assertTrue(process.isAlive(), () -> "the run exited: " + read(log));
            return read(log).contains("Kaizen is running") && status(ready) == 200;
        });
        assertTrue(read(log).contains("durable: fsync, synchronous_commit and full_page_writes on"), read(log));
        return process;
    }

    private static McpSyncClient client(String url) {
        McpSyncClient client = McpClient.sync(HttpClientStreamableHttpTransport.builder(url).endpoint("/mcp").build())
                .requestTimeout(Duration.ofSeconds(10)).build();
        client.initialize();
        return client;
    }

    private static int status(String url) {
        try {
            return Mcp.get(url);
        } catch (AssertionError e) {
            return -1;
        }
    }

    private static String read(Path log) {
        try (Stream<String> lines = Files.lines(log)) {
            return String.join("\n", lines.toList());
        } catch (IOException e) {
            return "";
        }
    }
}
