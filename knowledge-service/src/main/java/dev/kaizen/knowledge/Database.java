package dev.kaizen.knowledge;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.kaizen.runtime.Tracing;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.helidon.config.Config;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbTransaction;
import io.helidon.dbclient.jdbc.JdbcClientBuilder;
import org.postgresql.PGConnection;

/**
 * knowledge-service's only way to PostgreSQL: a HikariCP pool behind Helidon's JDBC DbClient, and
 * optionally a read replica for searches and reads by id ({@link #read}).
 * Configured from the {@code db} config node (see knowledge-service.yaml).
 */
final class Database implements AutoCloseable {
    private static final int RETRIES_ON_CONFLICT = 3;

    /** The connection this thread's transaction uses, so a cancelled call can cancel its statement. */
    private static final ThreadLocal<Connection> IN_USE = new ThreadLocal<>();

    private final HikariDataSource dataSource;
    private final DbClient client;
    private final Duration statementCeiling;
    /** Where reads may go instead of the primary; null without {@code db.read.url}. */
    private ReadReplica replica;

    private Database(HikariDataSource dataSource, Duration statementCeiling, String url) {
        this.dataSource = dataSource;
        this.statementCeiling = statementCeiling;
        this.client = client(dataSource, "primary", url);
        PoolMetrics.register(dataSource, "primary");
    }

    /** A DbClient over {@code dataSource}, with a span per statement when tracing is on. */
    static DbClient client(HikariDataSource dataSource, String pool, String url) {
        JdbcClientBuilder builder = JdbcClientBuilder.create()
                .connectionPool(() -> {
                    try {
                        Connection connection = dataSource.getConnection();
                        IN_USE.set(connection);
                        return connection;
                    } catch (SQLException e) {
                        throw new DatabaseUnavailable(e);
                    }
                });
        if (Tracing.current().enabled()) {
            builder.addService(new SqlTracing(Tracing.current(), pool, url));
        }
        return builder.build();
    }

    static Database connect(Config db) {
        String url = db.get("url").asString().get();
        HikariConfig pool = new HikariConfig();
        pool.setPoolName("kaizen");
        pool.setJdbcUrl(url);
        pool.setUsername(db.get("user").asString().get());
        pool.setPassword(db.get("password").asString().get());
        pool.setMaximumPoolSize(db.get("pool.size").asInt().get());
        pool.setMinimumIdle(Math.min(2, pool.getMaximumPoolSize()));
        // a request waits at most this long for a connection, so it fails fast while PostgreSQL is down
        pool.setConnectionTimeout(db.get("pool.timeout").as(Duration.class).get().toMillis());
        pool.setValidationTimeout(Math.min(1000, pool.getConnectionTimeout() - 1));
        // start even while PostgreSQL is unreachable; Migrations waits for it
        pool.setInitializationFailTimeout(-1);
        pool.addDataSourceProperty("ApplicationName", "knowledge-service");
        pool.addDataSourceProperty("tcpKeepAlive", "true");
        // an error's DETAIL can quote a row's values (content): keep them out of exceptions and logs
        pool.addDataSourceProperty("logServerErrorDetail", "false");
        Database database = new Database(new HikariDataSource(pool), db.get("statement.timeout").as(Duration.class).get(), url);
        database.replica = ReadReplica.connect(database, db.get("read"), db);
        return database;
    }

    /**
     * Runs {@code work}, which only reads, like {@link #inTransaction}: on the read replica
     * ({@code db.read.url}) once it has replayed everything committed before the call began (so a
     * caller always reads its own writes), else on the primary. See {@link ReadReplica}.
     */
    <T> T read(Function<DbTransaction, T> work) {
        ReadReplica reads = replica;
        return reads == null ? inTransaction(work) : reads.read(work);
    }

    /**
     * A position of the primary's WAL at or past every commit acknowledged so far. With
     * {@code synchronous_commit} on (Kaizen's durable default) a commit is flushed before it is
     * acknowledged, so the flush position: WAL inserted but not yet flushed (pruning by reads, which
     * no commit flushes) can wait seconds for the WAL writer, and a standby cannot have it before.
     * With it off, an acknowledged commit may not be flushed yet: the insert position.
     */
    String walPosition() {
        try (Connection connection = dataSource.getConnection();
             java.sql.Statement statement = connection.createStatement();
             java.sql.ResultSet position = statement.executeQuery("""
                     SELECT CASE WHEN current_setting('synchronous_commit') = 'off' THEN pg_current_wal_insert_lsn()
                                 ELSE pg_current_wal_flush_lsn() END::text""")) {
            position.next();
            return position.getString(1);
        } catch (SQLException e) {
            throw new DatabaseUnavailable(e);
        }
    }

    /**
     * Runs {@code work} in one transaction: committed when it returns, rolled back when it throws.
     * Each statement is bounded by what is left of the call's deadline (the gRPC {@link Context}'s)
     * and by {@code db.statement.timeout}, and is cancelled when the call is; a call whose deadline
     * has passed does not start. A serialization failure or deadlock reruns it (a few times) as
     * PostgreSQL advises.
     */
    <T> T inTransaction(Function<DbTransaction, T> work) {
        return inTransaction(client, work);
    }

    /** {@link #inTransaction(Function)} on {@code client}'s pool (the primary's or the read replica's). */
    <T> T inTransaction(DbClient client, Function<DbTransaction, T> work) {
        Context call = Context.current();
        for (int attempt = 1; ; attempt++) {
            DbTransaction transaction = client.transaction();
            Context.CancellationListener cancel = null;
            try {
                Sql.row(transaction, "SELECT set_config('statement_timeout', ?, true)", timeout(call) + "ms");
                Connection connection = IN_USE.get();
                cancel = cancelled -> cancel(connection);
                call.addListener(cancel, command -> Thread.ofVirtual().start(command));
                T result = work.apply(transaction);
                transaction.commit();
                return result;
            } catch (RuntimeException e) {
                rollbackQuietly(transaction, e);
                if (attempt >= RETRIES_ON_CONFLICT || !Failures.isTransientConflict(e)) {
                    throw e;
                }
            } finally {
                if (cancel != null) {
                    call.removeListener(cancel);
                }
                IN_USE.remove();
            }
        }
    }

    /** Milliseconds a statement of {@code call} may take: what is left of its deadline, at most the ceiling. */
    private long timeout(Context call) {
        long ceiling = statementCeiling.toMillis();
        Deadline deadline = call.getDeadline();
        if (deadline == null) {
            return ceiling;
        }
        long left = deadline.timeRemaining(TimeUnit.MILLISECONDS);
        if (left <= 0) {
            throw Status.DEADLINE_EXCEEDED.withDescription("The call's deadline passed before it reached the database; "
                    + "retry with a longer deadline.").asRuntimeException();
        }
        return Math.min(left, ceiling);
    }

    /** Asks PostgreSQL to cancel what {@code connection} is running (the call that uses it was cancelled). */
    private static void cancel(Connection connection) {
        try {
            connection.unwrap(PGConnection.class).cancelQuery();
        } catch (SQLException e) {
            // the statement ended meanwhile, or the connection is gone: nothing left to cancel
        }
    }

    /** A plain JDBC connection, for what DbClient cannot do (multi-statement migration scripts). */
    Connection connection() throws SQLException {
        return dataSource.getConnection();
    }

    /** Whether PostgreSQL answers a trivial query within the pool's connection timeout. */
    boolean answers() {
        try (Connection connection = dataSource.getConnection()) {
            return connection.isValid(1);
        } catch (SQLException e) {
            return false;
        }
    }

    private static void rollbackQuietly(DbTransaction transaction, RuntimeException cause) {
        try {
            transaction.rollback();
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    @Override
    public void close() {
        if (replica != null) {
            replica.close();
        }
        client.close();
        dataSource.close();
    }

    /** No connection could be had: PostgreSQL is down or unreachable. */
    static final class DatabaseUnavailable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DatabaseUnavailable(SQLException cause) {
            super(cause);
        }
    }
}
