package dev.streaminfer.bench;

import java.util.List;

/** Percentiles and throughput from completion times: plain arithmetic, unit-tested. */
final class Stats {

    private Stats() {}

    /** Nearest-rank percentile ({@code p} in 0..100) of ascending {@code sorted}; NaN when empty. */
    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
    }

    static double percentile(List<Long> values, double p) {
        double[] sorted = values.stream().mapToDouble(Long::doubleValue).sorted().toArray();
        return percentile(sorted, p);
    }

    /**
     * Texts per second from first to last completion: the results completed at the first instant
     * (one batch) mark the start, so they do not count; {@code NaN} when all completed at once.
     */
    static double throughput(long[] completedAtMs, int[] textsPerResult) {
        if (completedAtMs.length == 0) {
            return Double.NaN;
        }
        long first = Long.MAX_VALUE;
        long last = Long.MIN_VALUE;
        for (long t : completedAtMs) {
            first = Math.min(first, t);
            last = Math.max(last, t);
        }
        if (last == first) {
            return Double.NaN;
        }
        long texts = 0;
        for (int i = 0; i < completedAtMs.length; i++) {
            if (completedAtMs[i] > first) {
                texts += textsPerResult[i];
            }
        }
        return texts / ((last - first) / 1000.0);
    }

    static double round(double v, int digits) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return v;
        }
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
