package dev.kaizen.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.PostgreSQLContainer;

/**
 * A real PostgreSQL server for tests, benchmarks and the local run command, chosen in this order:
 * <ol>
 *     <li>an external server named by {@value #URL_ENV} (a JDBC URL of a database whose user may
 *     {@code CREATE DATABASE}), with {@value #USER_ENV} and {@value #PASSWORD_ENV};</li>
 *     <li>Testcontainers' PostgreSQL 17 where a Docker engine answers;</li>
 *     <li>an embedded PostgreSQL 17 (zonky binaries) in a temporary directory.</li>
 * </ol>
 * Each caller gets a database of its own on the shared server through {@link #createDatabase(String)}.
 */
public final class PostgresServer implements AutoCloseable {
    public static final String URL_ENV = "KAIZEN_TEST_DATABASE_URL";
    public static final String USER_ENV = "KAIZEN_TEST_DATABASE_USER";
    public static final String PASSWORD_ENV = "KAIZEN_TEST_DATABASE_PASSWORD";
    private static final String IMAGE = "postgres:17";
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static PostgresServer shared;

    private final String adminUrl;
    private final String user;
    private final String password;
    private final String kind;
    private final AutoCloseable owner;

    private PostgresServer(String adminUrl, String user, String password, String kind, AutoCloseable owner) {
        this.adminUrl = adminUrl;
        this.user = user;
        this.password = password;
        this.kind = kind;
        this.owner = owner;
    }

    /** The server shared by everything in this JVM, started on first use and stopped at exit. */
    public static synchronized PostgresServer shared() {
        if (shared == null) {
            shared = start();
            Runtime.getRuntime().addShutdownHook(new Thread(shared::close));
        }
        return shared;
    }

    private static PostgresServer start() {
        String url = System.getenv(URL_ENV);
        if (url != null && !url.isBlank()) {
            return new PostgresServer(url, System.getenv(USER_ENV), System.getenv(PASSWORD_ENV), "external " + url, null);
        }
        if (dockerAvailable()) {
            PostgreSQLContainer<?> container = new PostgreSQLContainer<>(IMAGE);
            container.start();
            return new PostgresServer(container.getJdbcUrl(), container.getUsername(), container.getPassword(),
                    "Testcontainers " + IMAGE, container::stop);
        }
        try {
            EmbeddedPostgres embedded = EmbeddedPostgres.builder().start();
            return embedded(embedded, "embedded PostgreSQL 17");
        } catch (IOException e) {
            throw new IllegalStateException("cannot start an embedded PostgreSQL", e);
        }
    }

    /**
     * Starts an embedded PostgreSQL 17 that keeps its data in {@code dataDirectory} between runs.
     * Used by the local run command; the caller closes it.
     */
    public static PostgresServer embedded(Path dataDirectory, int port) throws IOException {
        EmbeddedPostgres embedded = EmbeddedPostgres.builder()
                .setDataDirectory(dataDirectory)
                .setCleanDataDirectory(false)
                .setPort(port)
                .setRegisterShutdownHook(false)
                .start();
        return embedded(embedded, "embedded PostgreSQL 17 in " + dataDirectory);
    }

    private static PostgresServer embedded(EmbeddedPostgres embedded, String kind) {
        return new PostgresServer(embedded.getJdbcUrl("postgres", "postgres"), "postgres", null, kind, embedded);
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | Error e) {
            return false;
        }
    }

    /** Creates a new empty database on this server and returns its JDBC URL. */
    public String createDatabase(String prefix) {
        String name = (prefix + "_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet())
                .toLowerCase().replaceAll("[^a-z0-9_]", "_");
        try (Connection connection = DriverManager.getConnection(adminUrl, user, password);
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database " + name + " on " + kind, e);
        }
        return databaseUrl(name);
    }

    /** The JDBC URL of the named database on this server. */
    public String databaseUrl(String database) {
        int query = adminUrl.indexOf('?');
        String base = query < 0 ? adminUrl : adminUrl.substring(0, query);
        String params = query < 0 ? "" : adminUrl.substring(query);
        return base.substring(0, base.lastIndexOf('/') + 1) + database + params;
    }

    /** Creates the named database unless it exists; for the local run command. */
    public void ensureDatabase(String database) {
        try (Connection connection = DriverManager.getConnection(adminUrl, user, password);
             Statement statement = connection.createStatement()) {
            var rows = statement.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + database.replace("'", "") + "'");
            if (!rows.next()) {
                statement.execute("CREATE DATABASE \"" + database.replace("\"", "") + "\"");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + database + " on " + kind, e);
        }
    }

    public String user() {
        return user;
    }

    public String password() {
        return password == null ? "" : password;
    }

    /** Host and port the server listens on, from its JDBC URL. */
    public String hostAndPort() {
        String afterScheme = adminUrl.substring("jdbc:postgresql://".length());
        return afterScheme.substring(0, afterScheme.indexOf('/'));
    }

    @Override
    public String toString() {
        return kind;
    }

    @Override
    public void close() {
        if (owner != null) {
            try {
                owner.close();
            } catch (Exception e) {
                // stopping at exit: nothing more to do
            }
        }
    }
}
