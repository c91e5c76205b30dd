package dev.kaizen.knowledge;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.function.Function;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.helidon.config.Config;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbExecute;
import io.helidon.dbclient.DbTransaction;
import io.helidon.dbclient.jdbc.JdbcClientBuilder;

/**
 * knowledge-service's only way to PostgreSQL: a HikariCP pool behind Helidon's JDBC DbClient.
 * Configured from the {@code db} config node (see knowledge-service.yaml).
 */
final class Database implements AutoCloseable {
    private static final int RETRIES_ON_CONFLICT = 3;

    private final HikariDataSource dataSource;
    private final DbClient client;

    private Database(HikariDataSource dataSource) {
        this.dataSource = dataSource;
        this.client = JdbcClientBuilder.create()
                .connectionPool(() -> {
                    try {
                        return dataSource.getConnection();
                    } catch (SQLException e) {
                        throw new DatabaseUnavailable(e);
                    }
                })
                .build();
    }

    static Database connect(Config db) {
        HikariConfig pool = new HikariConfig();
        pool.setPoolName("kaizen");
        pool.setJdbcUrl(db.get("url").asString().get());
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
        return new Database(new HikariDataSource(pool));
    }

    /** Statements outside a transaction, each on a pooled connection of its own. */
    DbExecute execute() {
        return client.execute();
    }

    /**
     * Runs {@code work} in one transaction: committed when it returns, rolled back when it throws.
     * A serialization failure or deadlock reruns it (a few times) as PostgreSQL advises.
     */
    <T> T inTransaction(Function<DbTransaction, T> work) {
        for (int attempt = 1; ; attempt++) {
            DbTransaction transaction = client.transaction();
            try {
                T result = work.apply(transaction);
                transaction.commit();
                return result;
            } catch (RuntimeException e) {
                rollbackQuietly(transaction, e);
                if (attempt >= RETRIES_ON_CONFLICT || !Failures.isTransientConflict(e)) {
                    throw e;
                }
            }
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
