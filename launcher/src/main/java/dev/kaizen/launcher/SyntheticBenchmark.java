package dev.kaizen.launcher;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.kaizen.api.v1.CreateNamespaceRequest;
import dev.kaizen.api.v1.DeleteNamespaceRequest;
import dev.kaizen.api.v1.GetTaskContextRequest;
import dev.kaizen.api.v1.NamespaceServiceGrpc;
import dev.kaizen.api.v1.WriteKnowledgeRequest;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;

/**
 * The shared synthetic workload: WriteKnowledge at 1k and N entries and GetTaskContext (the query
 * pool's 3-query searches on bench:default) at N over gRPC; write_knowledge and get_task_context over
 * MCP (Streamable HTTP, the Java SDK's client), one client and 8 concurrent clients; and, as the
 * floor, the service's own write statement over raw JDBC with 8 connections.
 */
final class SyntheticBenchmark {
    private static final int WARMUP = 200;

    private final Benchmark bench;
    private final Workload workload;
    private final String size;

    SyntheticBenchmark(Benchmark bench, Workload workload) {
        this.bench = bench;
        this.workload = workload;
        this.size = workload.size() % 1_000_000 == 0 ? workload.size() / 1_000_000 + "M" : workload.size() / 1_000 + "k";
    }

    void run() throws Exception {
        bench.createWorkloadScopes();
        Iterator<Workload.Entry> corpus = workload.entries();
        long loading = System.nanoTime();
        bench.importEntries("corpus entries 1-1,000", Workload.knowledge(corpus, 1_000));
        bench.awaitEmbedded(loading);
        warmUp();
        List<Workload.Entry> firstHalf = workload.inserts().subList(0, 500);
        List<Workload.Entry> secondHalf = workload.inserts().subList(500, 1_000);
        List<List<String>> queries = workload.queries();

        Stats write1k = bench.measure("WriteKnowledge at 1k (gRPC, 1 client)", 1, firstHalf.size(),
                (client, i) -> grpcWrite(firstHalf.get(i)));
        loading = System.nanoTime();
        bench.importEntries("the rest of the corpus", Workload.knowledge(corpus, Integer.MAX_VALUE));
        bench.settle();
        bench.awaitEmbedded(loading);
        bench.printMemory("with " + size + " entries loaded");
        bench.newReplica();
        Stats grpcWrite = bench.measure("WriteKnowledge at " + size + " (gRPC, 1 client)", 1, secondHalf.size(),
                (client, i) -> grpcWrite(secondHalf.get(i)));
        Stats grpcSearch = bench.measure("GetTaskContext at " + size + " (gRPC, 1 client)", 1, queries.size(),
                (client, i) -> grpcSearch(queries.get(i)));
        bench.measure("write_knowledge at " + size + " (MCP, 1 client)", 1, secondHalf.size(),
                (client, i) -> mcpWrite(bench.mcp.get(client), secondHalf.get(i)));
        Stats mcpSearch = bench.measure("get_task_context at " + size + " (MCP, 1 client)", 1, queries.size(),
                (client, i) -> mcpSearch(bench.mcp.get(client), queries.get(i)));
        Stats jdbcWrites = jdbcWrites("write statement at " + size + " (raw JDBC, 8 connections)", secondHalf);
        Stats grpcWrites = bench.measure("WriteKnowledge at " + size + " (gRPC, 8 clients)", Benchmark.CLIENTS,
                secondHalf.size(), (client, i) -> grpcWrite(secondHalf.get(i)));
        Stats mcpWrites = bench.measure("write_knowledge at " + size + " (MCP, 8 clients)", Benchmark.CLIENTS,
                secondHalf.size(), (client, i) -> mcpWrite(bench.mcp.get(client), secondHalf.get(i)));
        bench.measure("GetTaskContext at " + size + " (gRPC, 8 clients)", Benchmark.CLIENTS, queries.size(),
                (client, i) -> grpcSearch(queries.get(i)));
        bench.measure("get_task_context at " + size + " (MCP, 8 clients)", Benchmark.CLIENTS, queries.size(),
                (client, i) -> mcpSearch(bench.mcp.get(client), queries.get(i)));

        bench.printTable();
        System.out.printf("write(%s)/write(1k), gRPC medians:              %.2f   (target <= 1.5)%n", size,
                grpcWrite.p50Millis() / write1k.p50Millis());
        System.out.printf("GetTaskContext p95 at %s:                       %.1f ms   (target <= %s)%n", size,
                grpcSearch.p95Millis(), workload.size() > 100_000 ? "150 ms at 1M" : "45 ms at 100k");
        System.out.printf("MCP write_knowledge p50 at %s, 8 clients:       %.1f ms%n", size, mcpWrites.p50Millis());
        System.out.printf("MCP write throughput / raw JDBC (8 each):         %.2f   (gRPC: %.2f)%n",
                mcpWrites.perSecond() / jdbcWrites.perSecond(), grpcWrites.perSecond() / jdbcWrites.perSecond());
        System.out.printf("get_task_context p50 - GetTaskContext p50:        %.1f ms%n",
                mcpSearch.p50Millis() - grpcSearch.p50Millis());
    }

    /**
     * Warms the JIT of clients, gateway and service and the pools with every measured call, in a
     * throwaway namespace, so the first measurement is not the one that pays for compilation.
     */
    private void warmUp() throws Exception {
        NamespaceServiceGrpc.NamespaceServiceBlockingStub namespaces = NamespaceServiceGrpc.newBlockingStub(bench.channel);
        namespaces.createNamespace(CreateNamespaceRequest.newBuilder().setName("warmup").setDescription("Warm-up").build());
        List<Workload.Entry> entries = workload.inserts().stream()
                .map(entry -> new Workload.Entry("warmup:default", entry.content(), entry.context(), entry.taskSize()))
                .toList();
        List<List<String>> queries = workload.queries().subList(0, WARMUP);
        for (int clients : List.of(1, Benchmark.CLIENTS)) {
            Benchmark.run(clients, entries.size(), (client, i) -> grpcWrite(entries.get(i)));
            Benchmark.run(clients, entries.size(), (client, i) -> mcpWrite(bench.mcp.get(client), entries.get(i)));
            Benchmark.run(clients, queries.size(), (client, i) -> grpcSearch(queries.get(i)));
            Benchmark.run(clients, queries.size(), (client, i) -> mcpSearch(bench.mcp.get(client), queries.get(i)));
        }
        namespaces.deleteNamespace(DeleteNamespaceRequest.newBuilder().setName("warmup").build());
    }

    private void grpcWrite(Workload.Entry entry) {
        bench.knowledge.withDeadlineAfter(10, TimeUnit.SECONDS).writeKnowledge(WriteKnowledgeRequest.newBuilder()
                .setScope(entry.scope()).setContent(entry.content()).setContext(entry.context())
                .setTaskSize(Benchmark.taskSize(entry.taskSize())).build());
    }

    private void grpcSearch(List<String> queries) {
        bench.knowledge.withDeadlineAfter(10, TimeUnit.SECONDS).getTaskContext(GetTaskContextRequest.newBuilder()
                .setScope("bench:default").addAllQueries(queries).build());
    }

    private static void mcpWrite(McpSyncClient mcp, Workload.Entry entry) {
        Map<String, Object> arguments = new HashMap<>(Map.of("scope", entry.scope(), "content", entry.content(),
                "context", entry.context()));
        if (entry.taskSize() != null) {
            arguments.put("task_size", entry.taskSize());
        }
        check(mcp.callTool(McpSchema.CallToolRequest.builder("write_knowledge").arguments(arguments).build()));
    }

    private static void mcpSearch(McpSyncClient mcp, List<String> queries) {
        check(mcp.callTool(McpSchema.CallToolRequest.builder("get_task_context")
                .arguments(Map.of("queries", queries, "scope", "bench:default")).build()));
    }

    static void check(McpSchema.CallToolResult result) {
        if (Boolean.TRUE.equals(result.isError())) {
            throw new IllegalStateException("tool call failed: " + result.content());
        }
    }

    /** The floor: the statement knowledge-service runs for a write, over plain JDBC, 8 connections. */
    private Stats jdbcWrites(String name, List<Workload.Entry> entries) throws Exception {
        String sql = """
                WITH entry AS (
                    INSERT INTO knowledge (scope_id, task_size, suppressed, created_at, updated_at, search_vector)
                    SELECT s.id, ?::task_size, false, now(), now(), knowledge_search_vector(?, ?)
                    FROM qualified_scope s WHERE s.namespace = 'bench' AND s.name = 'default'
                    RETURNING id)
                INSERT INTO knowledge_text (knowledge_id, context, content)
                SELECT id, ?, ? FROM entry
                RETURNING knowledge_id""";
        List<Connection> connections = new ArrayList<>();
        for (int i = 0; i < Benchmark.CLIENTS; i++) {
            connections.add(bench.connection());
        }
        try {
            return bench.measure(name, Benchmark.CLIENTS, entries.size(), (client, i) -> {
                Workload.Entry entry = entries.get(i);
                try (PreparedStatement insert = connections.get(client).prepareStatement(sql)) {
                    insert.setString(1, entry.taskSize());
                    insert.setString(2, entry.context());
                    insert.setString(3, entry.content());
                    insert.setString(4, entry.context());
                    insert.setString(5, entry.content());
                    try (ResultSet id = insert.executeQuery()) {
                        id.next();
                    }
                }
            });
        } finally {
            for (Connection connection : connections) {
                connection.close();
            }
        }
    }
}
