package dev.kaizen.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.PostgreSQLContainer;

/**
 * A real PostgreSQL server. For tests and the benchmark's throwaway data ({@link #shared()}), the
 * first of:
 * <ol>
 *     <li>an external server named by {@value #URL_ENV} (a JDBC URL of a database whose user may
 *     {@code CREATE DATABASE}), with {@value #USER_ENV} and {@value #PASSWORD_ENV};</li>
 *     <li>Testcontainers' PostgreSQL 17 where a Docker engine answers;</li>
 *     <li>an embedded PostgreSQL 17 (zonky binaries) in a temporary directory, with the embedded
 *     library's fast settings: fsync and synchronous_commit off, fine for data nobody keeps.</li>
 * </ol>
 * For data that is kept ({@code ./kaizen run}, and whatever a benchmark reports), {@link #durable}
 * starts an embedded PostgreSQL 17 with PostgreSQL's own durable settings. Each caller gets a
 * database of its own through {@link #createDatabase(String)}.
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
            return embedded(EmbeddedPostgres.builder().start(), "embedded PostgreSQL 17 (throwaway, fsync off)");
        } catch (IOException e) {
            throw new IllegalStateException("cannot start an embedded PostgreSQL", e);
        }
    }

    /**
     * Starts an embedded PostgreSQL 17 that keeps its data in {@code dataDirectory} between runs,
     * durably: fsync, synchronous_commit and full_page_writes on, as a stock PostgreSQL has them
     * (the embedded library turns fsync and synchronous_commit off, which loses acknowledged writes
     * when the process is killed). Its own output goes to {@code log}. The caller closes it.
     */
    public static PostgresServer durable(Path dataDirectory, int port, Path log) throws IOException {
        return durable(dataDirectory, port, log, Map.of());
    }

    /** As {@link #durable(Path, int, Path)}, with more server settings (e.g. memory sizes). */
    public static PostgresServer durable(Path dataDirectory, int port, Path log, Map<String, String> settings)
            throws IOException {
        Files.createDirectories(log.getParent());
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                .setDataDirectory(dataDirectory)
                .setCleanDataDirectory(false)
                .setPort(port)
                .setRegisterShutdownHook(false)
                .setOutputRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .setErrorRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()));
        settings.forEach(builder::setServerConfig);
        EmbeddedPostgres embedded = builder
                .setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("full_page_writes", "on")
                .start();
        return embedded(embedded, "embedded PostgreSQL 17 in " + dataDirectory + " (durable: fsync, synchronous_commit "
                + "and full_page_writes on)");
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
        ensureDatabase(name);
        return databaseUrl(name);
    }

    /** Creates the named database unless it exists; returns its JDBC URL. */
    public String ensureDatabase(String database) {
        if (!database.matches("[a-z0-9_]+")) {
            throw new IllegalArgumentException("database names here are a-z, 0-9 and _: " + database);
        }
        try (Connection connection = DriverManager.getConnection(adminUrl, user, password);
             PreparedStatement exists = connection.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            exists.setString(1, database);
            try (ResultSet rows = exists.executeQuery(); Statement create = connection.createStatement()) {
                if (!rows.next()) {
                    create.execute("CREATE DATABASE " + database);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + database + " on " + kind, e);
        }
        return databaseUrl(database);
    }

    /** The JDBC URL of the named database on this server. */
    public String databaseUrl(String database) {
        int query = adminUrl.indexOf('?');
        String base = query < 0 ? adminUrl : adminUrl.substring(0, query);
        String params = query < 0 ? "" : adminUrl.substring(query);
        return base.substring(0, base.lastIndexOf('/') + 1) + database + params;
    }

    /** How many sessions of the database at {@code databaseUrl} wait for a lock now: a call held where a test wants it. */
    public int waitingForLocks(String databaseUrl) {
        try (Connection connection = DriverManager.getConnection(databaseUrl, user, password);
             PreparedStatement waiting = connection.prepareStatement("SELECT count(*) FROM pg_stat_activity "
                     + "WHERE datname = current_database() AND wait_event_type = 'Lock'");
             ResultSet count = waiting.executeQuery()) {
            count.next();
            return count.getInt(1);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the sessions of " + databaseUrl, e);
        }
    }

    /** The value of a server setting, e.g. {@code fsync}. */
    public String setting(String name) {
        try (Connection connection = DriverManager.getConnection(adminUrl, user, password);
             PreparedStatement show = connection.prepareStatement("SELECT current_setting(?)")) {
            show.setString(1, name);
            try (ResultSet value = show.executeQuery()) {
                value.next();
                return value.getString(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read setting " + name + " of " + kind, e);
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
