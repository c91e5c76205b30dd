package dev.kaizen.gateway;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-principal rate limits: a token bucket each, {@code perSecond} requests a second on average
 * with bursts up to {@code burst}. A request over the limit learns how long to wait.
 */
final class RateLimits {
    private static final int IDLE_BUCKETS_MAX = 10_000;
    private final double perSecond;
    private final double burst;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    RateLimits(double perSecond, double burst) {
        this.perSecond = perSecond;
        this.burst = Math.max(1, burst);
    }

    boolean enabled() {
        return perSecond > 0;
    }

    /** Takes one request from {@code principal}'s bucket: zero when it may go on, else how long to wait. */
    Duration take(String principal) {
        if (!enabled()) {
            return Duration.ZERO;
        }
        if (buckets.size() > IDLE_BUCKETS_MAX) {
            long now = System.nanoTime();
            buckets.values().removeIf(bucket -> bucket.full(now));
        }
        return buckets.computeIfAbsent(principal, name -> new Bucket()).take();
    }

    private final class Bucket {
        private double tokens = burst;
        private long updated = System.nanoTime();

        synchronized Duration take() {
            refill(System.nanoTime());
            if (tokens >= 1) {
                tokens--;
                return Duration.ZERO;
            }
            return Duration.ofNanos((long) ((1 - tokens) / perSecond * 1e9));
        }

        synchronized boolean full(long now) {
            refill(now);
            return tokens >= burst;
        }

        private void refill(long now) {
            tokens = Math.min(burst, tokens + (now - updated) / 1e9 * perSecond);
            updated = now;
        }
    }
}
