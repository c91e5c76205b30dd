package dev.kaizen.launcher;

import java.util.List;

/** Latency figures of one measured operation. */
record Stats(String name, int count, double p50Millis, double p95Millis, double p99Millis, double perSecond) {

    /** From per-call latencies (nanoseconds) and the wall time of the whole run. */
    static Stats of(String name, List<Long> nanos, long wallNanos) {
        long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
        return new Stats(name, sorted.length, percentile(sorted, 50), percentile(sorted, 95), percentile(sorted, 99),
                sorted.length / (wallNanos / 1e9));
    }

    private static double percentile(long[] sorted, int percent) {
        int index = (int) Math.ceil(percent / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(index, sorted.length - 1))] / 1e6;
    }

    String row() {
        return String.format("| %-54s | %6d | %8.2f | %8.2f | %8.2f | %9.1f |", name, count, p50Millis, p95Millis,
                p99Millis, perSecond);
    }

    static String header() {
        return String.format("| %-54s | %6s | %8s | %8s | %8s | %9s |%n|%s|%s|%s|%s|%s|%s|", "operation", "calls",
                "p50 ms", "p95 ms", "p99 ms", "calls/s", "-".repeat(56), "-".repeat(8), "-".repeat(10), "-".repeat(10),
                "-".repeat(10), "-".repeat(11));
    }

}
