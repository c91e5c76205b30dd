package dev.kaizen.knowledge;

import java.util.List;
import java.util.function.ToIntFunction;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import io.helidon.metrics.api.Gauge;
import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;

/**
 * A connection pool's state as gauges, for the dashboard and the pool-saturation alert:
 * {@code kaizen_db_pool_connections{pool, state}} with state active, idle, pending (calls waiting
 * for a connection) and max (the pool's size).
 */
final class PoolMetrics {
    private PoolMetrics() {
    }

    static void register(HikariDataSource dataSource, String pool) {
        gauge(dataSource, pool, "active", HikariPoolMXBean::getActiveConnections);
        gauge(dataSource, pool, "idle", HikariPoolMXBean::getIdleConnections);
        gauge(dataSource, pool, "pending", HikariPoolMXBean::getThreadsAwaitingConnection);
        Metrics.globalRegistry().getOrCreate(Gauge.builder("kaizen.db.pool.connections",
                        () -> (double) dataSource.getMaximumPoolSize())
                .description("Connections of knowledge-service's PostgreSQL pools, by pool and state")
                .tags(List.of(Tag.create("pool", pool), Tag.create("state", "max"))));
    }

    private static void gauge(HikariDataSource dataSource, String pool, String state, ToIntFunction<HikariPoolMXBean> value) {
        Metrics.globalRegistry().getOrCreate(Gauge.builder("kaizen.db.pool.connections", () -> {
                    HikariPoolMXBean bean = dataSource.getHikariPoolMXBean();
                    return bean == null ? 0.0 : (double) value.applyAsInt(bean);
                })
                .description("Connections of knowledge-service's PostgreSQL pools, by pool and state")
                .tags(List.of(Tag.create("pool", pool), Tag.create("state", state))));
    }
}
