package dev.kaizen.knowledge;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import dev.kaizen.stack.Await;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A PostgreSQL 17 primary and a real streaming standby of it, from the embedded PostgreSQL
 * binaries (no pg_basebackup among them): the standby is a base backup made as the documentation's
 * low-level method makes one ({@code pg_backup_start}, a copy of the data directory,
 * {@code pg_backup_stop} and its backup_label), started with {@code standby.signal},
 * {@code primary_conninfo} and a replication slot, so it streams the primary's WAL and serves
 * read-only queries (hot standby). Both log every statement ({@code log_statement = all}) to a file
 * of their own, which tells where each statement ran. The standby can be stopped and started again.
 */
final class StreamingStandby implements AutoCloseable {
    private static final String SLOT = "kaizen_standby";
    /** Directories a base backup leaves out or empties (as pg_basebackup does), and files it skips. */
    private static final Set<String> EMPTIED = Set.of("pg_wal", "pg_replslot", "pg_stat_tmp", "pg_dynshmem", "pg_notify",
            "pg_serial", "pg_snapshots", "pg_subtrans");
    private static final Set<String> SKIPPED = Set.of("postmaster.pid", "postmaster.opts", "epg-lock");

    private final EmbeddedPostgres primary;
    private final Path bin;
    private final Path standbyData;
    private final int standbyPort;
    final Path primaryLog;
    final Path standbyLog;
    private final List<String> standbySettings;
    private Process standby;
    private boolean running;

    private StreamingStandby(EmbeddedPostgres primary, Path bin, Path standbyData, int standbyPort, Path primaryLog,
                             Path standbyLog, List<String> standbySettings) {
        this.primary = primary;
        this.bin = bin;
        this.standbyData = standbyData;
        this.standbyPort = standbyPort;
        this.primaryLog = primaryLog;
        this.standbyLog = standbyLog;
        this.standbySettings = standbySettings;
    }

    /**
     * Starts a primary with {@code database} in {@code folder}, makes the standby from a base backup of
     * it and starts it. {@code applyDelay} holds each commit back on the standby that long
     * ({@code recovery_min_apply_delay}), so a read there right after a write would miss it.
     */
    static StreamingStandby start(Path folder, String database, Duration applyDelay) throws Exception {
        Files.createDirectories(folder);
        Path primaryLog = folder.resolve("primary.log");
        Path standbyLog = folder.resolve("standby.log");
        EmbeddedPostgres primary = EmbeddedPostgres.builder()
                .setDataDirectory(folder.resolve("primary"))
                .setServerConfig("wal_level", "replica")
                .setServerConfig("max_wal_senders", "4")
                .setServerConfig("max_replication_slots", "4")
                .setServerConfig("hot_standby", "on")
                // durable commits, as Kaizen runs: an acknowledged commit is flushed, and so sent
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("log_statement", "all")
                .setOutputRedirector(ProcessBuilder.Redirect.appendTo(primaryLog.toFile()))
                .setErrorRedirector(ProcessBuilder.Redirect.appendTo(primaryLog.toFile()))
                .start();
        try (Connection connection = DriverManager.getConnection(primary.getJdbcUrl("postgres", "postgres"));
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + database);
            statement.execute("SELECT pg_create_physical_replication_slot('" + SLOT + "', true)");
        }
        int port = freePort();
        Path standbyData = folder.resolve("standby");
        baseBackup(primary, primaryData(primary), standbyData);
        Files.writeString(standbyData.resolve("standby.signal"), "");
        Files.writeString(standbyData.resolve("postgresql.auto.conf"), String.join("\n",
                "primary_conninfo = 'host=127.0.0.1 port=" + primary.getPort() + " user=postgres application_name=standby'",
                "primary_slot_name = '" + SLOT + "'", ""));
        StreamingStandby pair = new StreamingStandby(primary, binaries(primary), standbyData, port, primaryLog, standbyLog,
                List.of("-c port=" + port, "-c listen_addresses=127.0.0.1", "-c hot_standby=on", "-c log_statement=all",
                        "-c fsync=off", "-c max_connections=300", "-c recovery_min_apply_delay=" + applyDelay.toMillis(),
                        // queries on the standby are not cancelled for replay's sake while it is this far behind
                        "-c max_standby_streaming_delay=5s"));
        pair.startStandby();
        return pair;
    }

    /** The low-level base backup: pg_backup_start, a copy of the files, pg_backup_stop's backup_label. */
    private static void baseBackup(EmbeddedPostgres primary, Path from, Path to) throws SQLException, IOException {
        try (Connection connection = DriverManager.getConnection(primary.getJdbcUrl("postgres", "postgres"));
             Statement statement = connection.createStatement()) {
            statement.execute("SELECT pg_backup_start('kaizen-standby', true)");
            copy(from, to);
            try (ResultSet stop = statement.executeQuery("SELECT labelfile FROM pg_backup_stop(false)")) {
                stop.next();
                Files.writeString(to.resolve("backup_label"), stop.getString(1));
            }
        }
        Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rwx------"));
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) throws IOException {
                Files.createDirectories(to.resolve(from.relativize(dir).toString()));
                return !dir.equals(from) && EMPTIED.contains(dir.getFileName().toString())
                        ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                if (!SKIPPED.contains(file.getFileName().toString())) {
                    try {
                        Files.copy(file, to.resolve(from.relativize(file).toString()), StandardCopyOption.COPY_ATTRIBUTES);
                    } catch (NoSuchFileException gone) {
                        // removed while copying (a temporary file): replay makes the copy consistent
                    }
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                return FileVisitResult.CONTINUE;
            }
        });
        Files.createDirectories(to.resolve("pg_wal").resolve("archive_status"));
    }

    /** Starts the standby and waits until it accepts read-only queries. */
    void startStandby() throws Exception {
        standby = new ProcessBuilder(command("pg_ctl", "-D", standbyData.toString(), "-o", String.join(" ", standbySettings),
                "-l", standbyLog.toString(), "start"))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(standbyLog.toFile()))
                .start();
        Await.until("the standby accepts read-only queries", Duration.ofSeconds(60), () -> {
            try (Connection connection = DriverManager.getConnection(standbyUrl("postgres"), "postgres", "");
                 Statement statement = connection.createStatement();
                 ResultSet recovery = statement.executeQuery("SELECT pg_is_in_recovery()")) {
                recovery.next();
                if (!recovery.getBoolean(1)) {
                    throw new IllegalStateException("the standby is not in recovery");
                }
                return true;
            } catch (SQLException notYet) {
                if (!standby.isAlive() && standby.exitValue() != 0) {
                    throw new IllegalStateException("the standby did not start; " + standbyLog + ":\n" + log(), notYet);
                }
                return false;
            }
        }, () -> "the end of " + standbyLog + ":\n" + log());
        running = true;
    }

    /** Stops the standby the way an operator or a failing node does it quickly (fast shutdown: sessions are ended). */
    void stopStandby() throws Exception {
        Process stop = new ProcessBuilder(command("pg_ctl", "-D", standbyData.toString(), "-m", "fast", "-w", "stop"))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(standbyLog.toFile())).start();
        if (!stop.waitFor(60, TimeUnit.SECONDS)) {
            stop.destroyForcibly();
            throw new IllegalStateException("the standby did not stop in 60 s");
        }
        running = false;
    }

    /**
     * One of the binaries with its arguments. PostgreSQL refuses to run as root; as root, the command
     * runs in a user namespace of its own ({@code unshare -U}), as the embedded library runs it.
     */
    private List<String> command(String binary, String... arguments) {
        List<String> command = new java.util.ArrayList<>();
        if ("root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/unshare"))) {
            command.addAll(List.of("/usr/bin/unshare", "-U"));
        }
        command.add(bin.resolve(binary).toString());
        command.addAll(List.of(arguments));
        return command;
    }

    String primaryUrl(String database) {
        return primary.getJdbcUrl("postgres", database);
    }

    String standbyUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + standbyPort + "/" + database;
    }

    /** Runs SQL on the standby as the superuser (pausing and resuming replay). */
    void onStandby(String sql) throws SQLException {
        try (Connection connection = DriverManager.getConnection(standbyUrl("postgres"), "postgres", "");
             Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    @Override
    public void close() throws Exception {
        if (running) {
            stopStandby();
        }
        primary.close();
    }

    /** The embedded library's binaries (initdb, pg_ctl, postgres), where it unpacked them. */
    private static Path binaries(EmbeddedPostgres postgres) throws ReflectiveOperationException {
        Field pgDir = EmbeddedPostgres.class.getDeclaredField("pgDir");
        pgDir.setAccessible(true);
        return ((File) pgDir.get(postgres)).toPath().resolve("bin");
    }

    private static Path primaryData(EmbeddedPostgres postgres) throws ReflectiveOperationException {
        Field data = EmbeddedPostgres.class.getDeclaredField("dataDirectory");
        data.setAccessible(true);
        return ((File) data.get(postgres)).toPath();
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String log() {
        try {
            return Files.readString(standbyLog);
        } catch (java.io.IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
