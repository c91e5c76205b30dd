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

    private static long count(String url, PostgresServer postgres, String sql) throws Exception {
        try (Connection connection = DriverManager.getConnection(url, postgres.user(), postgres.password());
             Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
