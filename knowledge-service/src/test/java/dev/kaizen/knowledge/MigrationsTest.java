package dev.kaizen.knowledge;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.kaizen.api.v1.ListNamespacesRequest;
import dev.kaizen.testing.PostgresServer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class MigrationsTest {

    @Test
    void replicasStartingTogetherOnAnEmptyDatabaseMigrateItOnce() throws Exception {
        PostgresServer postgres = PostgresServer.shared();
        String url = postgres.createDatabase("together");
        List<Callable<RunningService>> starts = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            starts.add(() -> RunningService.start(url, postgres, Map.of()));
        }
        List<RunningService> replicas = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(3)) {
            for (Future<RunningService> replica : pool.invokeAll(starts)) {
                replicas.add(replica.get());
            }
        } finally {
            for (RunningService replica : replicas) {
                assertEquals("global", replica.namespaces.listNamespaces(ListNamespacesRequest.getDefaultInstance())
                        .getNamespaces(0).getName());
                replica.close();
            }
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
            assertFalse(service.namespaces.listNamespaces(ListNamespacesRequest.getDefaultInstance())
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
