package dev.kaizen.knowledge;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Applies the versioned SQL files of {@code database/migrations} (on the classpath at
 * {@value #LOCATION}) that the database has not seen yet, in version order, each in its own
 * transaction. An advisory lock makes replicas that start at the same moment take turns, and each
 * file records its own version in {@code schema_migration}, so files loaded by
 * docker-entrypoint-initdb.d count as applied.
 */
final class Migrations {
    static final String LOCATION = "db/migration";
    private static final Pattern FILE_NAME = Pattern.compile("V(\\d+)__(.+)\\.sql");
    /** Arbitrary constant shared by every knowledge-service replica. */
    private static final long LOCK_KEY = 0x6b61697a656e01L;
    private static final System.Logger LOG = System.getLogger(Migrations.class.getName());

    private Migrations() {
    }

    record Migration(int version, String name, String sql) {
    }

    /** Applies pending migrations, waiting up to {@code patience} for PostgreSQL to answer. */
    static void apply(Database database, Duration patience) {
        List<Migration> migrations = load();
        Instant deadline = Instant.now().plus(patience);
        while (true) {
            try (Connection connection = database.connection()) {
                apply(connection, migrations);
                return;
            } catch (SQLException e) {
                if (Instant.now().isAfter(deadline)) {
                    throw new IllegalStateException("cannot migrate the database: " + e.getMessage(), e);
                }
                LOG.log(System.Logger.Level.WARNING, "PostgreSQL not reachable yet ({0}); retrying", e.getMessage());
                sleep(Duration.ofSeconds(1));
            }
        }
    }

    private static void apply(Connection connection, List<Migration> migrations) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute("SELECT pg_advisory_lock(" + LOCK_KEY + ")");
            try {
                Set<Integer> applied = appliedVersions(connection);
                for (Migration migration : migrations) {
                    if (!applied.contains(migration.version())) {
                        applyOne(connection, migration);
                    }
                }
            } finally {
                statement.execute("SELECT pg_advisory_unlock(" + LOCK_KEY + ")");
            }
        }
    }

    private static Set<Integer> appliedVersions(Connection connection) throws SQLException {
        Set<Integer> versions = new HashSet<>();
        try (Statement statement = connection.createStatement();
             ResultSet exists = statement.executeQuery("SELECT to_regclass('schema_migration') IS NOT NULL")) {
            exists.next();
            if (!exists.getBoolean(1)) {
                return versions;
            }
        }
        try (Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT version FROM schema_migration")) {
            while (rows.next()) {
                versions.add(rows.getInt(1));
            }
        }
        return versions;
    }

    private static void applyOne(Connection connection, Migration migration) throws SQLException {
        LOG.log(System.Logger.Level.INFO, "Applying database migration {0}: {1}", migration.version(), migration.name());
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            statement.execute(migration.sql());
            try (PreparedStatement check = connection.prepareStatement(
                    "SELECT 1 FROM schema_migration WHERE version = ?")) {
                check.setInt(1, migration.version());
                try (ResultSet recorded = check.executeQuery()) {
                    if (!recorded.next()) {
                        throw new IllegalStateException("migration " + migration.name()
                                + " does not record its version in schema_migration");
                    }
                }
            }
            connection.commit();
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(autoCommit);
        }
    }

    /** The migrations on the classpath, in version order; read once per process. */
    static List<Migration> load() {
        return Classpath.MIGRATIONS;
    }

    /** Holds the migrations read at first use (reading a jar's folder concurrently would share its file system). */
    private static final class Classpath {
        static final List<Migration> MIGRATIONS = List.copyOf(read());
    }

    private static List<Migration> read() {
        URL location = Migrations.class.getClassLoader().getResource(LOCATION);
        if (location == null) {
            throw new IllegalStateException("no database migrations on the classpath at " + LOCATION);
        }
        try {
            URI uri = location.toURI();
            if (!"jar".equals(uri.getScheme())) {
                return load(Path.of(uri));
            }
            try (FileSystem jar = FileSystems.newFileSystem(uri, Map.of())) {
                return load(jar.provider().getPath(uri));
            } catch (FileSystemAlreadyExistsException e) {
                return load(FileSystems.getFileSystem(uri).provider().getPath(uri));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Migration> load(Path directory) throws IOException {
        List<Migration> migrations = new ArrayList<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.toList()) {
                Matcher name = FILE_NAME.matcher(file.getFileName().toString());
                if (name.matches()) {
                    try (InputStream in = Files.newInputStream(file)) {
                        migrations.add(new Migration(Integer.parseInt(name.group(1)), file.getFileName().toString(),
                                new String(in.readAllBytes(), StandardCharsets.UTF_8)));
                    }
                }
            }
        }
        migrations.sort(Comparator.comparingInt(Migration::version));
        return migrations;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for PostgreSQL", e);
        }
    }
}
