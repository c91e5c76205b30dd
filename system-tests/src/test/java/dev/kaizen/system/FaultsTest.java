package dev.kaizen.system;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import dev.kaizen.api.Rules;
import dev.kaizen.stack.Await;
import dev.kaizen.stack.PostgresServer;
import dev.kaizen.stack.ServiceProcess;
import dev.kaizen.stack.Stack;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Faults under load, through the packaged services and real MCP clients: knowledge-service killed,
 * PostgreSQL restarted, and the scope hierarchy changed by many clients at once.
 */
class FaultsTest {
    private static final int CLIENTS = 8;

    @TempDir
    Path temp;

    @Test
    void knowledgeServiceKilledUnderWritesKeepsEveryAcknowledgedWriteAndTheGatewayServesWithinFiveSeconds() throws Exception {
        try (Stack stack = Stack.start("kill")) {
            McpSyncClient mcp = Mcp.client(stack.gateway(), Map.of());
            String ns = Mcp.unique("killed");
            Mcp.ok(mcp, "create_namespace", Map.of("name", ns, "description", "Killed under load"));
            Writers writers;
            Duration serving;
            try (Writers started = new Writers(stack.gateway(), ns + ":default")) {
                writers = started;
                Await.until("the clients have written for a while", Duration.ofSeconds(60), () -> writers.acknowledged() >= 200);
                stack.stopKnowledgeService(true);
                int before = writers.acknowledged();
                Await.holds("no write is acknowledged while the service is dead (beyond those already answered)",
                        Duration.ofSeconds(1), () -> writers.acknowledged() - before <= CLIENTS);
                stack.startKnowledgeService();
                Instant back = Instant.now();
                Await.until("the gateway serves again", Duration.ofSeconds(30), () -> !Mcp.call(mcp, "get_task_context",
                        Map.of("queries", List.of("load"), "scope", ns + ":default")).isError());
                serving = Duration.between(back, Instant.now());
                int resumed = writers.acknowledged();
                Await.until("the writers write again", Duration.ofSeconds(10), () -> writers.acknowledged() > resumed + CLIENTS);
            }
            int missing = writers.missing(mcp);
            System.out.printf("Faults (a): knowledge-service SIGKILLed under %d MCP writers: %d writes acknowledged, "
                    + "%d missing after the restart; the gateway served again %d ms after the service was back%n",
                    CLIENTS, writers.acknowledged(), missing, serving.toMillis());
            assertEquals(0, missing, "acknowledged writes missing after the restart");
            assertTrue(serving.compareTo(Duration.ofSeconds(5)) <= 0, "the gateway serves within 5 s: " + serving);
            mcp.closeGracefully();
        }
    }

    @Test
    void postgresRestartedUnderLoadNeedsNoServiceRestart() throws Exception {
        Path data = temp.resolve("postgres");
        Path log = temp.resolve("postgres.log");
        int port = ServiceProcess.freePort();
        PostgresServer postgres = PostgresServer.durable(data, port, log);
        try (Stack stack = Stack.builder("pg-restart").postgres(postgres, "kaizen").logs(temp.resolve("logs")).start()) {
            long pid = stack.knowledgeService().process().pid();
            String ready = "http://127.0.0.1:" + stack.knowledgeService().adminPort() + "/observe/health/ready";
            McpSyncClient mcp = Mcp.client(stack.gateway(), Map.of());
            String ns = Mcp.unique("restarted");
            Mcp.ok(mcp, "create_namespace", Map.of("name", ns, "description", "PostgreSQL restarted under load"));
            Writers writers;
            try (Writers started = new Writers(stack.gateway(), ns + ":default")) {
                writers = started;
                Await.until("the clients have written for a while", Duration.ofSeconds(60), () -> writers.acknowledged() >= 100);
                postgres.close();
                Await.until("knowledge-service is not ready while PostgreSQL is down", Duration.ofSeconds(30),
                        () -> Mcp.get(ready) == 503);
                postgres = PostgresServer.durable(data, port, log);
                Await.until("knowledge-service is ready again", Duration.ofSeconds(60), () -> Mcp.get(ready) == 200);
                int resumed = writers.acknowledged();
                Await.until("the writers write again", Duration.ofSeconds(30), () -> writers.acknowledged() > resumed + CLIENTS);
            }
            assertTrue(stack.knowledgeService().process().isAlive(), "knowledge-service kept running");
            assertEquals(pid, stack.knowledgeService().process().pid(), "the same knowledge-service process");
            int missing = writers.missing(mcp);
            System.out.printf("Faults (b): PostgreSQL restarted under %d MCP writers: readiness went false and true, "
                    + "%d writes acknowledged, %d missing, no service restart%n", CLIENTS, writers.acknowledged(), missing);
            assertEquals(0, missing, "acknowledged writes missing after the restart");
            mcp.closeGracefully();
        } finally {
            postgres.close();
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void aThousandConcurrentHierarchyChangesLeaveNoCycleAndEveryScopeReachesGlobalDefault() throws Exception {
        try (Stack stack = Stack.start("hierarchy")) {
            McpSyncClient admin = Mcp.client(stack.gateway(), Map.of());
            String prefix = "storm" + ProcessHandle.current().pid() % 1000;
            Map<String, Integer> outcomes = new ConcurrentHashMap<>();
            Set<String> scopes = ConcurrentHashMap.newKeySet(); // created, as far as the clients know
            Map<String, Integer> done = new ConcurrentHashMap<>();
            AtomicInteger changes = new AtomicInteger();
            try (ExecutorService pool = Executors.newFixedThreadPool(CLIENTS)) {
                List<Future<?>> clients = new ArrayList<>();
                for (int c = 0; c < CLIENTS; c++) {
                    int client = c;
                    clients.add(pool.submit(() -> {
                        McpSyncClient mcp = Mcp.client(stack.gateway(), Map.of());
                        Random random = new Random(client);
                        while (changes.getAndIncrement() < 1000) {
                            McpSchema.CallToolResult result = randomChange(mcp, random, prefix, scopes, done);
                            if (result.isError()) {
                                Mcp.assertNoInternals(Mcp.text(result));
                                assertFalse(Mcp.text(result).startsWith("Internal error"), Mcp.text(result));
                            }
                            outcomes.merge(result.isError() ? "refused" : "done", 1, Integer::sum);
                        }
                        mcp.closeGracefully();
                        return null;
                    }));
                }
                for (Future<?> client : clients) {
                    client.get();
                }
            }
            Map<String, Object> namespaces = (Map<String, Object>) Mcp.ok(admin, "get_namespaces",
                    Map.of("style", "details")).get("namespaces");
            Map<String, List<String>> parents = new HashMap<>();
            namespaces.forEach((name, namespace) -> ((Map<String, Object>) ((Map<String, Object>) namespace).get("scopes"))
                    .forEach((scope, body) -> parents.put(name + ":" + scope,
                            (List<String>) ((Map<String, Object>) body).getOrDefault("parents", List.of()))));
            for (String scope : parents.keySet()) {
                assertTrue(reachesGlobalWithoutCycle(scope, parents, new HashSet<>()), scope + " has a cycle or does not "
                        + "reach " + Rules.GLOBAL_DEFAULT_SCOPE + ": " + parents);
                McpSchema.CallToolResult search = Mcp.call(admin, "get_task_context",
                        Map.of("queries", List.of("storm"), "scope", scope));
                assertFalse(search.isError(), () -> scope + ": " + Mcp.text(search));
            }
            System.out.printf("Faults (c): 1,000 hierarchy changes from %d MCP clients (%s; done by tool %s); afterwards "
                    + "%d scopes, no cycle, all reach %s, a search from each succeeds%n", CLIENTS, outcomes,
                    new java.util.TreeMap<>(done), parents.size(), Rules.GLOBAL_DEFAULT_SCOPE);
            for (String tool : List.of("create_namespace", "update_namespace", "delete_namespace", "create_scope",
                    "update_scope", "delete_scope")) {
                assertTrue(done.getOrDefault(tool, 0) > 0, () -> "no " + tool + " went through: " + done);
            }
            admin.closeGracefully();
        }
    }

    /**
     * One random change among few names, so that changes collide: create, re-parent, rename or delete
     * scopes and namespaces (and write into them).
     */
    private static McpSchema.CallToolResult randomChange(McpSyncClient mcp, Random random, String prefix,
                                                         Set<String> known, Map<String, Integer> done) {
        String namespace = prefix + "-" + random.nextInt(2);
        List<String> existing = List.copyOf(known);
        String scope = existing.isEmpty() || random.nextInt(10) == 0 ? namespace + ":s" + random.nextInt(4)
                : existing.get(random.nextInt(existing.size()));
        namespace = scope.substring(0, scope.indexOf(':'));
        String other = parent(random, prefix);
        return switch (random.nextInt(10)) {
            case 0 -> change(mcp, done, "create_namespace", Map.of("name", namespace, "description", "Storm"));
            case 1, 2 -> {
                McpSchema.CallToolResult created = change(mcp, done, "create_scope", Map.of("scope", scope,
                        "description", "Storm", "parents", List.of(other)));
                if (!created.isError()) {
                    known.add(scope);
                }
                yield created;
            }
            case 3, 4, 5 -> change(mcp, done, "update_scope", Map.of("scope", scope, "parents",
                    List.of(other, parent(random, prefix))));
            case 6 -> {
                String renamed = namespace + ":s" + random.nextInt(4);
                McpSchema.CallToolResult result = change(mcp, done, "update_scope", Map.of("scope", scope, "new_scope", renamed));
                if (!result.isError()) {
                    known.remove(scope);
                    known.add(renamed);
                }
                yield result;
            }
            case 7 -> {
                McpSchema.CallToolResult result = change(mcp, done, "delete_scope", Map.of("scope", scope));
                known.remove(scope);
                yield result;
            }
            case 8 -> change(mcp, done, "write_knowledge", Map.of("scope", scope, "content", "Storm entry", "context", "storm"));
            default -> {
                if (random.nextInt(3) > 0) {
                    yield change(mcp, done, "create_namespace", Map.of("name", namespace, "description", "Storm"));
                }
                String gone = namespace + ":";
                McpSchema.CallToolResult result = random.nextInt(4) == 0
                        ? change(mcp, done, "delete_namespace", Map.of("name", namespace))
                        : change(mcp, done, "update_namespace", Map.of("name", namespace, "new_name", prefix + "-" + random.nextInt(2)));
                if (!result.isError()) {
                    known.removeIf(name -> name.startsWith(gone));
                }
                yield result;
            }
        };
    }

    /** Calls a tool; counts its successes by tool in {@code done}. */
    private static McpSchema.CallToolResult change(McpSyncClient mcp, Map<String, Integer> done, String tool,
                                                   Map<String, Object> arguments) {
        McpSchema.CallToolResult result = Mcp.call(mcp, tool, arguments);
        if (!result.isError()) {
            done.merge(tool, 1, Integer::sum);
        }
        return result;
    }

    private static String parent(Random random, String prefix) {
        String namespace = prefix + "-" + random.nextInt(2);
        return switch (random.nextInt(6)) {
            case 0 -> Rules.GLOBAL_DEFAULT_SCOPE;
            case 1, 2 -> namespace + ":default";
            default -> namespace + ":s" + random.nextInt(4);
        };
    }

    /** Whether every path up from {@code scope} ends at global:default without meeting a scope twice. */
    private static boolean reachesGlobalWithoutCycle(String scope, Map<String, List<String>> parents, Set<String> path) {
        if (scope.equals(Rules.GLOBAL_DEFAULT_SCOPE)) {
            return true;
        }
        List<String> up = parents.get(scope);
        if (!path.add(scope) || up == null || up.isEmpty()) {
            return false;
        }
        for (String parent : up) {
            if (!reachesGlobalWithoutCycle(parent, parents, path)) {
                return false;
            }
        }
        path.remove(scope);
        return true;
    }

    /** {@value #CLIENTS} MCP clients writing without pause; what each acknowledged is remembered. */
    private static final class Writers implements AutoCloseable {
        private final Map<String, String> acknowledged = new ConcurrentHashMap<>();
        private final AtomicBoolean writing = new AtomicBoolean(true);
        private final ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        private final List<Future<?>> writers = new ArrayList<>();

        Writers(ServiceProcess gateway, String scope) {
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                writers.add(pool.submit(() -> {
                    McpSyncClient mcp = Mcp.client(gateway, Map.of());
                    for (int i = 0; writing.get(); i++) {
                        String content = "Write " + i + " of client " + client + " under load.";
                        try {
                            McpSchema.CallToolResult result = Mcp.call(mcp, "write_knowledge", Map.of("scope", scope,
                                    "content", content, "context", "load faults"));
                            if (!result.isError()) {
                                acknowledged.put((String) ((Map<?, ?>) result.structuredContent()).get("id"), content);
                            } else {
                                Mcp.assertNoInternals(Mcp.text(result));
                                Thread.sleep(20);
                            }
                        } catch (RuntimeException e) {
                            Thread.sleep(20); // a timeout: this write was not acknowledged
                        }
                    }
                    mcp.closeGracefully();
                    return null;
                }));
            }
        }

        int acknowledged() {
            return acknowledged.size();
        }

        /** How many acknowledged writes cannot be read back as written. */
        @SuppressWarnings("unchecked")
        int missing(McpSyncClient mcp) {
            List<String> ids = new ArrayList<>(acknowledged.keySet());
            int missing = 0;
            for (int from = 0; from < ids.size(); from += Rules.IDS_MAX) {
                List<String> batch = ids.subList(from, Math.min(ids.size(), from + Rules.IDS_MAX));
                McpSchema.CallToolResult result = Mcp.call(mcp, "get_knowledge", Map.of("ids", batch));
                if (result.isError()) {
                    for (String id : batch) {
                        missing += Mcp.call(mcp, "get_knowledge", Map.of("ids", List.of(id))).isError() ? 1 : 0;
                    }
                    continue;
                }
                for (Object entry : (List<Object>) ((Map<String, Object>) result.structuredContent()).get("entries")) {
                    Map<String, Object> read = (Map<String, Object>) entry;
                    missing += acknowledged.get((String) read.get("id")).equals(read.get("content")) ? 0 : 1;
                }
            }
            return missing;
        }

        @Override
        public void close() throws Exception {
            writing.set(false);
            for (Future<?> writer : writers) {
                writer.get();
            }
            pool.close();
        }
    }
}
