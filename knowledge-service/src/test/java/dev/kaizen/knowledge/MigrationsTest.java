package dev.kaizen.knowledge;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.kaizen.api.v1.ListNamespacesRequest;
import dev.kaizen.stack.PostgresServer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MigrationsTest {

    /**
     * Replicas are separate processes, each with its own pool: here three pools migrate the same
     * empty database at once (the web servers are not needed for that, and building several in one
     * JVM at once is not something production does).
     */
    @Test
    void replicasStartingTogetherOnAnEmptyDatabaseMigrateItOnce() throws Exception {
        PostgresServer postgres = PostgresServer.shared();
        String url = postgres.createDatabase("together");
        List<Database> replicas = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            replicas.add(Database.connect(RunningService.config(url, postgres, Map.of()).get("db")));
        }
        List<Callable<Void>> migrations = new ArrayList<>();
        for (Database replica : replicas) {
            migrations.add(() -> {
                Migrations.apply(replica, Duration.ofSeconds(30));
                return null;
            });
        }
        try (ExecutorService pool = Executors.newFixedThreadPool(replicas.size())) {
            for (Future<Void> migration : pool.invokeAll(migrations)) {
                migration.get();
            }
        } finally {
            replicas.forEach(Database::close);
        }
        assertEquals(Migrations.load().size(), count(url, postgres, "SELECT count(*) FROM schema_migration"));
        assertEquals(1, count(url, postgres, "SELECT count(*) FROM namespace"));
    }

    @Test
    void aDatabaseLoadedFromTheSqlFilesIsNotMigratedAgain() throws Exception {
        PostgresServer postgres = PostgresServer.shared();
        String url = postgres.createDatabase("initdb");
        // what docker-entrypoint-initdb.d does: run every file, in name order
        try (Connection connection = DriverManager.getConnection(url, postgres.user(), postgres.password());
             Statement statement = connection.createStatement()) {
            for (Migrations.Migration migration : Migrations.load()) {
                statement.execute(migration.sql());
            }
        }
        try (RunningService service = RunningService.start(url, postgres, Map.of())) {
            assertFalse(service.namespaces().listNamespaces(ListNamespacesRequest.getDefaultInstance())
                    .getNamespacesList().isEmpty());
        }
        assertEquals(Migrations.load().size(), count(url, postgres, "SELECT count(*) FROM schema_migration"));
    }

    @Test
    void aDatabaseWithKnowledgeFromVersion1IsUpgradedAndItsKnowledgeFound() throws Exception {
        PostgresServer postgres = PostgresServer.shared();
        String url = postgres.createDatabase("upgrade");
        try (Connection connection = DriverManager.getConnection(url, postgres.user(), postgres.password());
             Statement statement = connection.createStatement()) {
            statement.execute(Migrations.load().getFirst().sql());
            statement.execute("""
                    INSERT INTO namespace (name, description) VALUES ('old', 'From version 1');
                    INSERT INTO scope (namespace_id, name, description)
                        SELECT id, 'default', 'From version 1' FROM namespace WHERE name = 'old';
                    WITH entry AS (
                        INSERT INTO knowledge (scope_id, search_vector)
                        SELECT s.id, knowledge_search_vector('legacy upgrade', 'Written before BM25. Then more.')
                        FROM qualified_scope s WHERE s.canonical = 'old:default' RETURNING id)
                    INSERT INTO knowledge_text (knowledge_id, context, content)
                        SELECT id, 'legacy upgrade', 'Written before BM25. Then more.' FROM entry""");
        }
        try (RunningService service = RunningService.start(url, postgres, Map.of())) {
            List<dev.kaizen.api.v1.TaskContextEntry> found = service.knowledge().getTaskContext(
                    dev.kaizen.api.v1.GetTaskContextRequest.newBuilder().setScope("old:default").addQueries("legacy bm25")
                            .build()).getEntriesList();
            assertEquals(1, found.size());
            assertEquals("Written before BM25. Then more.", found.getFirst().getContent());
            assertTrue(found.getFirst().getRelevance() >= 0.5, "every word found: 'bm25' in the re-indexed first sentence");
        }
        assertEquals(Migrations.load().size(), count(url, postgres, "SELECT count(*) FROM schema_migration"));
        assertEquals(1, count(url, postgres, "SELECT count(*) FROM knowledge WHERE len_lead > 0"));
    }

    private static long count(String url, PostgresServer postgres, String sql) throws Exception {
        try (Connection connection = DriverManager.getConnection(url, postgres.user(), postgres.password());
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
