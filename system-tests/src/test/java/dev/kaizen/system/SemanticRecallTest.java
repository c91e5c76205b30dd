package dev.kaizen.system;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.kaizen.api.v1.GetTaskContextRequest;
import dev.kaizen.api.v1.GetTaskContextResponse;
import dev.kaizen.api.v1.KnowledgeServiceGrpc;
import dev.kaizen.api.v1.Match;
import dev.kaizen.stack.Await;
import dev.kaizen.stack.ServiceProcess;
import dev.kaizen.stack.Stack;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.json.schema.jackson3.DefaultJsonSchemaValidator;
import io.modelcontextprotocol.spec.McpSchema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Semantic recall as deployed: two knowledge-service replicas with the default model on one
 * database, a gateway in front. An agent's question whose words are not the entry's finds it over
 * MCP, saying it matched by meaning, in a result that matches the tool's outputSchema; and both
 * replicas answer the same question the same way within two seconds of the write.
 */
class SemanticRecallTest {
    private static final Map<String, String> SEMANTIC = Map.of("SEMANTIC_MODEL", "bge-small-en-v1.5");
    private static final String ENTRY = "Revert a broken release by redeploying the previous container image tag.";
    private static final String QUESTION = "How do we undo a bad deployment?";

    private static Stack stack;
    private static ServiceProcess secondReplica;
    private static McpSyncClient mcp;
    private static ManagedChannel first;
    private static ManagedChannel second;

    @BeforeAll
    static void start() {
        stack = Stack.builder("semantic").knowledgeService(SEMANTIC).start();
        secondReplica = replica(Map.of()).awaitReady();
        mcp = Mcp.client(stack.gateway(), Map.of());
        first = ManagedChannelBuilder.forAddress("127.0.0.1", stack.knowledgeService().port()).usePlaintext().build();
        second = ManagedChannelBuilder.forAddress("127.0.0.1", secondReplica.port()).usePlaintext().build();
    }

    @AfterAll
    static void stop() {
        mcp.closeGracefully();
        first.shutdownNow();
        second.shutdownNow();
        secondReplica.close();
        stack.close();
    }

    @Test
    void bothReplicasFindANewEntryByMeaningWithinTwoSecondsOfItsWrite() {
        String ns = namespace("meaning");
        awaitIndexesReady();
        long written = System.nanoTime();
        String id = writeEntry(ns);
        Await.until("both replicas find the entry by meaning", Duration.ofSeconds(10),
                () -> foundByMeaning(first, ns, id) && foundByMeaning(second, ns, id));
        double seconds = (System.nanoTime() - written) / 1e9;
        assertTrue(seconds <= 2, "both replicas answered the same within " + seconds + " s of the write");
        assertEquals(search(first, ns).getEntriesList(), search(second, ns).getEntriesList(), "the same answer");
    }

    @Test
    void anAgentsQuestionFindsTheEntryOverMcpAndSaysHow() {
        String ns = namespace("question");
        String id = writeEntry(ns);
        Map<String, Object> arguments = Map.of("queries", List.of(QUESTION), "scope", ns + ":default");
        Await.until("the entry is found by meaning", Duration.ofSeconds(30), () -> {
            List<?> results = (List<?>) Mcp.ok(mcp, "get_task_context", arguments).get("results");
            return !results.isEmpty() && id.equals(((Map<?, ?>) results.getFirst()).get("id"));
        });
        McpSchema.CallToolResult result = Mcp.call(mcp, "get_task_context", arguments);
        Map<?, ?> top = (Map<?, ?>) ((List<?>) ((Map<?, ?>) result.structuredContent()).get("results")).getFirst();
        assertEquals("meaning", top.get("match"));
        McpSchema.Tool tool = mcp.listTools().tools().stream().filter(t -> t.name().equals("get_task_context"))
                .findFirst().orElseThrow();
        var validation = new DefaultJsonSchemaValidator().validate(tool.outputSchema(), result.structuredContent());
        assertTrue(validation.valid(), validation::errorMessage);
    }

    @Test
    void anEntryQueuedTwiceInOneBatchIsEmbeddedAndEmbeddingGoesOn() throws Exception {
        String ns = namespace("twice");
        awaitIndexesReady();
        String twice = (String) Mcp.ok(mcp, "write_knowledge", Map.of("scope", ns + ":default", "content",
                "Rotate the signing keys every quarter.", "context", "signing keys")).get("id");
        Await.until("the entry is embedded", Duration.ofSeconds(30), () -> stack.knowledgeService()
                .metric("kaizen_embedding_backlog") == 0);
        // changed, and queued once more, in one transaction: both outbox rows land in one worker's batch
        try (Connection db = DriverManager.getConnection(stack.databaseUrl(), stack.postgres().user(),
                stack.postgres().password()); Statement sql = db.createStatement()) {
            db.setAutoCommit(false);
            sql.execute("UPDATE knowledge_text SET content = 'Rotate the signing keys every month.' WHERE knowledge_id = " + twice);
            sql.execute("INSERT INTO embedding_outbox (knowledge_id) VALUES (" + twice + ")");
            db.commit();
        }
        String id = writeEntry(ns);
        Await.until("the entry written after it is found by meaning: embedding went on", Duration.ofSeconds(30),
                () -> foundByMeaning(first, ns, id));
    }

    @Test
    void aReplicaWithAStartDelaySearchesByWordsUntilItsIndexLoadsThenByMeaning() {
        String ns = namespace("delay");
        String id = writeEntry(ns);
        Await.until("the entry is found by meaning", Duration.ofSeconds(30), () -> foundByMeaning(first, ns, id));
        try (ServiceProcess delayed = replica(Map.of("SEMANTIC_START_DELAY", "PT10S")).awaitReady()) {
            long ready = System.nanoTime();
            ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", delayed.port()).usePlaintext().build();
            try {
                assertEquals(0, delayed.metric("kaizen_vector_index_ready"), "the index waits for the delay");
                assertTrue(search(channel, ns).getEntriesList().stream().noneMatch(entry -> entry.getMatch() == Match.MATCH_MEANING),
                        "until then, search is by words alone");
                Await.until("the delayed replica finds the entry by meaning", Duration.ofSeconds(60),
                        () -> foundByMeaning(channel, ns, id));
                assertTrue(System.nanoTime() - ready >= Duration.ofSeconds(9).toNanos(), "not before the delay");
            } finally {
                channel.shutdownNow();
            }
        }
    }

    /** Another knowledge-service replica with the default model on the stack's database, with {@code settings} over it. */
    /** A new namespace of its own for one test, its name from {@code prefix}. */
    private static String namespace(String prefix) {
        String ns = Mcp.unique(prefix);
        Mcp.ok(mcp, "create_namespace", Map.of("name", ns, "description", "Semantic recall"));
        return ns;
    }

    /** Writes {@link #ENTRY} into {@code ns}'s default scope over MCP; its id. */
    private static String writeEntry(String ns) {
        return (String) Mcp.ok(mcp, "write_knowledge", Map.of("scope", ns + ":default", "content", ENTRY,
                "context", "release image")).get("id");
    }

    private static ServiceProcess replica(Map<String, String> settings) {
        Map<String, String> env = new HashMap<>(SEMANTIC);
        env.putAll(settings);
        env.put("DB_URL", stack.databaseUrl());
        env.put("DB_USER", stack.postgres().user());
        env.put("DB_PASSWORD", stack.postgres().password());
        return ServiceProcess.start(ServiceProcess.KNOWLEDGE_SERVICE, env);
    }

    /** Waits until both replicas' readiness says their vector index is loaded. */
    private static void awaitIndexesReady() {
        Await.until("both vector indexes are loaded", Duration.ofSeconds(60), () ->
                stack.knowledgeService().metric("kaizen_vector_index_ready") == 1
                        && secondReplica.metric("kaizen_vector_index_ready") == 1);
    }

    private static boolean foundByMeaning(ManagedChannel channel, String ns, String id) {
        GetTaskContextResponse response = search(channel, ns);
        return response.getEntriesCount() > 0 && String.valueOf(response.getEntries(0).getId()).equals(id)
                && response.getEntries(0).getMatch() == Match.MATCH_MEANING;
    }

    private static GetTaskContextResponse search(ManagedChannel channel, String ns) {
        return KnowledgeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS)
                .getTaskContext(GetTaskContextRequest.newBuilder().setScope(ns + ":default").addQueries(QUESTION).build());
    }
}
