package dev.streaminfer.backfill;

import java.util.Locale;

/**
 * How progress reads: a bar for a terminal, a plain line for logs and pipes. Plain formatting,
 * tested alone; {@link ProgressReporter} decides when to print.
 */
public final class ProgressFormat {

    static final int BAR_WIDTH = 30;

    private ProgressFormat() {}

    /**
     * One moment of a run: lines answered in total (earlier runs included) out of {@code total},
     * and {@code recentLines} answered over the last {@code recentSeconds} (the rate's window).
     */
    public record Snapshot(long done, long total, long recentLines, double recentSeconds) {

        /** Lines answered per second over the window (0 while it is empty). */
        public double rate() {
            return recentSeconds <= 0 ? 0 : recentLines / recentSeconds;
        }

        /** Seconds to go at the current rate; -1 when unknown. */
        public long etaSeconds() {
            long left = Math.max(0, total - done);
            if (left == 0) {
                return 0;
            }
            double rate = rate();
            return rate <= 0 ? -1 : (long) Math.ceil(left / rate);
        }

        public double fraction() {
            return total <= 0 ? 1 : Math.min(1, (double) done / total);
        }
    }

    /** {@code [##########....................]  1,234/3,700  33.4%  231 texts/s  ETA 10s} */
    public static String bar(Snapshot s) {
        int filled = (int) Math.floor(s.fraction() * BAR_WIDTH);
        return "[" + "#".repeat(filled) + ".".repeat(BAR_WIDTH - filled) + "]  " + counts(s);
    }

    /** {@code embed: 1,234/3,700 (33.4%)  231 texts/s  ETA 10s} */
    public static String line(Snapshot s) {
        return "embed: " + counts(s);
    }

    private static String counts(Snapshot s) {
        return String.format(Locale.ROOT, "%,d/%,d  %.1f%%  %,.0f texts/s  ETA %s",
                s.done(), s.total(), s.fraction() * 100, s.rate(), duration(s.etaSeconds()));
    }

    /** {@code 7s}, {@code 3m05s}, {@code 2h07m}; {@code --} when unknown (negative). */
    public static String duration(long seconds) {
        if (seconds < 0) {
            return "--";
        }
        if (seconds < 60) {
            return seconds + "s";
        }
        if (seconds < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", seconds / 3600, (seconds % 3600) / 60);
    }
}
