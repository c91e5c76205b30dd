package dev.kaizen.runtime;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.helidon.metrics.api.Metrics;
import io.helidon.metrics.api.Tag;
import io.helidon.metrics.api.Timer;

/**
 * A latency histogram by two tags (e.g. method and status code), one timer per pair of values, each
 * looked up in the registry once. Buckets are {@link ServiceRuntime#LATENCY_BUCKETS}, so a p95 over every
 * replica is a PromQL {@code histogram_quantile}.
 */
public final class LatencyTimers {
    private final String name;
    private final String description;
    private final String firstTag;
    private final String secondTag;
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();

    public LatencyTimers(String name, String description, String firstTag, String secondTag) {
        this.name = name;
        this.description = description;
        this.firstTag = firstTag;
        this.secondTag = secondTag;
    }

    /** Records what took from {@code startNanos} (a {@link System#nanoTime}) until now, under the two tag values. */
    public void record(String first, String second, long startNanos) {
        timers.computeIfAbsent(first + "/" + second, key -> Metrics.globalRegistry().getOrCreate(Timer.builder(name)
                        .description(description)
                        .buckets(ServiceRuntime.LATENCY_BUCKETS)
                        .tags(List.of(Tag.create(firstTag, first), Tag.create(secondTag, second)))))
                .record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }
}
