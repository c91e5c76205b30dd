package dev.kaizen.knowledge;

import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.helidon.config.Config;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbTransaction;
import io.helidon.metrics.api.Counter;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;

/**
 * A read-only pool on a streaming standby ({@code db.read.url}, e.g. a CloudNativePG cluster's
 * {@code -ro} service) that serves searches and reads by id, while every caller still reads its own
 * writes and a standby that lags is not used.
 * <p>
 * <b>Read-your-writes.</b> A write is acknowledged only after its commit; so before a read, the
 * primary's current WAL position ({@link Database#walPosition}, one trivial statement) is at or past
 * every write any caller has been told succeeded, through any gateway and any knowledge-service
 * replica. The read runs on the standby only once the standby has replayed up to that position
 * ({@code pg_last_wal_replay_lsn()}), each statement of the read after that: so it sees every write
 * acknowledged before it began, its caller's included. No state about callers is kept anywhere.
 * <p>
 * <b>Lag.</b> A read waits at most {@code db.read.max-lag} for the standby to get there; when it
 * does not, or the standby cannot be reached, the read runs on the primary instead and the standby
 * is left out until a check (every {@code db.read.check-interval}) finds it replaying within
 * {@code db.read.max-lag} again. Metrics: {@code kaizen_db_reads_total{target}},
 * {@code kaizen_db_replica_usable} and {@code kaizen_db_replica_lag_seconds}.
 */
final class ReadReplica implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ReadReplica.class.getName());
    /** Whether the server has replayed up to a position; a server that is not a standby has all it has. */
    private static final String CAUGHT_UP = """
            SELECT CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() >= ?::pg_lsn ELSE true END AS caught_up""";

    private final Database primary;
    private final HikariDataSource dataSource;
    private final DbClient client;
    private final Duration maxLag;
    private final Map<String, Counter> reads = new ConcurrentHashMap<>();
    private final Thread checker;
    private volatile boolean usable;
    private volatile double lagSeconds;
    private volatile boolean closed;

    private ReadReplica(Database primary, HikariDataSource dataSource, String url, Duration maxLag, Duration interval) {
        this.primary = primary;
        this.dataSource = dataSource;
        this.client = Database.client(dataSource, "replica", url);
        this.maxLag = maxLag;
        PoolMetrics.register(dataSource, "replica");
        Metrics.globalRegistry().getOrCreate(Gauge.builder("kaizen.db.replica.usable", () -> usable ? 1 : 0)
                .description("1 while reads go to the read replica (db.read.url), 0 while they go to the primary"));
        Metrics.globalRegistry().getOrCreate(Gauge.builder("kaizen.db.replica.lag", () -> lagSeconds)
                .baseUnit("seconds")
                .description("How long the read replica took at the last check to replay what the primary had written"));
        // every series from the start, at 0, so that rates see them before the first read of each kind
        List.of("replica/caught_up", "primary/replica_left_out", "primary/lag", "primary/replica_failed")
                .forEach(key -> counter(key.split("/")[0], key.split("/")[1]));
        this.checker = Thread.ofVirtual().name("read-replica-check").start(() -> checkEvery(interval));
    }

    /** The read replica {@code read} configures ({@code url}, ...), or null when {@code read.url} is empty. */
    static ReadReplica connect(Database primary, Config read, Config db) {
        String url = read.get("url").asString().orElse("");
        if (url.isBlank()) {
            return null;
        }
        HikariConfig pool = new HikariConfig();
        pool.setPoolName("kaizen-read");
        pool.setJdbcUrl(url);
        pool.setUsername(read.get("user").asString().filter(user -> !user.isBlank()).orElseGet(() -> db.get("user").asString().get()));
        pool.setPassword(read.get("password").asString().filter(password -> !password.isBlank())
                .orElseGet(() -> db.get("password").asString().get()));
        pool.setMaximumPoolSize(db.get("pool.size").asInt().get());
        pool.setMinimumIdle(Math.min(2, pool.getMaximumPoolSize()));
        pool.setReadOnly(true);
        // a standby that is down costs a read this long once; then reads go to the primary until it is back
        pool.setConnectionTimeout(read.get("pool.timeout").as(Duration.class).get().toMillis());
        pool.setValidationTimeout(Math.max(250, Math.min(1000, pool.getConnectionTimeout() - 1)));
        pool.setInitializationFailTimeout(-1);
        pool.addDataSourceProperty("ApplicationName", "knowledge-service");
        pool.addDataSourceProperty("tcpKeepAlive", "true");
        pool.addDataSourceProperty("logServerErrorDetail", "false");
        LOG.log(System.Logger.Level.INFO, "reads by id and searches go to the read replica while it replays within {0} ms",
                read.get("max-lag").as(Duration.class).get().toMillis());
        return new ReadReplica(primary, new HikariDataSource(pool), url, read.get("max-lag").as(Duration.class).get(),
                read.get("check-interval").as(Duration.class).get());
    }

    /** Runs {@code work} on the standby once it has what the primary had when the read began; else on the primary. */
    <T> T read(Function<DbTransaction, T> work) {
        if (!usable) {
            return onPrimary(work, "replica_left_out");
        }
        String position = primary.walPosition();
        try {
            T result = primary.inTransaction(client, tx -> {
                awaitReplay(tx, position);
                return work.apply(tx);
            });
            count("replica", "caught_up");
            return result;
        } catch (Behind behind) {
            leaveOut("it had not replayed the primary's position within " + maxLag.toMillis() + " ms");
            return onPrimary(work, "lag");
        } catch (RuntimeException e) {
            if (!Failures.isUnavailable(e) && !Failures.isTransientConflict(e)) {
                throw e;
            }
            // down, restarting, or a query cancelled by a conflict with recovery: the primary answers instead
            leaveOut(e.getMessage());
            return onPrimary(work, "replica_failed");
        }
    }

    private <T> T onPrimary(Function<DbTransaction, T> work, String reason) {
        T result = primary.inTransaction(work);
        count("primary", reason);
        return result;
    }

    /** Waits, polling, until the standby has replayed {@code position}; {@link Behind} after {@code db.read.max-lag}. */
    private void awaitReplay(DbTransaction tx, String position) {
        long deadline = System.nanoTime() + maxLag.toNanos();
        long pause = 200_000;
        while (!(Boolean) Sql.row(tx, CAUGHT_UP, position).orElseThrow().column("caught_up").get()) {
            if (System.nanoTime() > deadline) {
                throw new Behind();
            }
            sleep(pause);
            pause = Math.min(pause * 2, TimeUnit.MILLISECONDS.toNanos(20));
        }
    }

    /** Every {@code interval}: whether the standby answers and replays the primary's current position within the limit. */
    private void checkEvery(Duration interval) {
        while (!closed) {
            check();
            sleep(interval.toNanos());
        }
    }

    private void check() {
        try {
            long start = System.nanoTime();
            String position = primary.walPosition();
            boolean caughtUp;
            try (var connection = dataSource.getConnection(); var statement = connection.prepareStatement(CAUGHT_UP)) {
                statement.setString(1, position);
                while (true) {
                    try (var answer = statement.executeQuery()) {
                        answer.next();
                        caughtUp = answer.getBoolean(1);
                    }
                    if (caughtUp || System.nanoTime() - start > maxLag.toNanos()) {
                        break;
                    }
                    sleep(TimeUnit.MILLISECONDS.toNanos(5));
                }
            }
            lagSeconds = (System.nanoTime() - start) / 1e9;
            if (caughtUp && !usable) {
                LOG.log(System.Logger.Level.INFO, "read replica in use again: it replays within {0} ms", maxLag.toMillis());
            }
            if (!caughtUp) {
                leaveOut("it had not replayed the primary's position within " + maxLag.toMillis() + " ms");
            }
            usable = caughtUp;
        } catch (SQLException | RuntimeException e) {
            // the primary down too is for readiness to report; the standby is left out meanwhile
            leaveOut(e.getMessage());
        }
    }

    private void leaveOut(String why) {
        if (usable) {
            LOG.log(System.Logger.Level.WARNING, "read replica left out, reads go to the primary: {0}", why);
        }
        usable = false;
    }

    private void count(String target, String reason) {
        counter(target, reason).increment();
    }

    private Counter counter(String target, String reason) {
        return reads.computeIfAbsent(target + "/" + reason, key -> Metrics.globalRegistry().getOrCreate(
                Counter.builder("kaizen.db.reads")
                        .description("Searches and reads by id, by where they ran (replica, primary) and why")
                        .tags(List.of(Tag.create("target", target), Tag.create("reason", reason)))));
    }

    private static void sleep(long nanos) {
        try {
            TimeUnit.NANOSECONDS.sleep(nanos);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        checker.interrupt();
        client.close();
        dataSource.close();
    }

    /** The standby had not replayed the position within {@code db.read.max-lag}. */
    private static final class Behind extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Behind() {
            super(null, null, false, false);
        }
    }
}
