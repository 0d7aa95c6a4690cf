package dev.streaminfer.backfill;

import dev.streaminfer.contract.concurrent.DaemonThreads;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Follows the output file as the job appends to it (every line is one answered input line) and
 * prints progress: a bar redrawn in place on a terminal, a plain line every {@code plainEvery}
 * otherwise. Reading the file rather than asking the job keeps it independent of the job's
 * internals and counts exactly what a resume would find.
 */
final class ProgressReporter implements AutoCloseable {

    /** How progress is shown. */
    enum Mode { BAR, LINES, NONE }

    private final Path output;
    private final long total;
    private final long doneBefore;
    private final Mode mode;
    private final PrintWriter out;
    /** The rate is taken over about the last 10 s. */
    private static final long WINDOW_NANOS = 10_000_000_000L;
    /** (time, lines counted) pairs within the window, oldest first. */
    private final ArrayDeque<long[]> samples = new ArrayDeque<>();
    private final long startNanos = System.nanoTime();
    private final ScheduledExecutorService timer;
    private long offset;
    private long counted;

    ProgressReporter(Path output, long startOffset, long doneBefore, long total, Mode mode, PrintWriter out,
                     long periodMillis) {
        this.output = output;
        this.offset = startOffset;
        this.doneBefore = doneBefore;
        this.total = total;
        this.mode = mode;
        this.out = out;
        this.timer = DaemonThreads.singleThreadScheduler("embed-progress");
        if (mode != Mode.NONE) {
            timer.scheduleAtFixedRate(this::print, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
        }
    }

    private synchronized ProgressFormat.Snapshot poll() {
        try (RandomAccessFile f = new RandomAccessFile(output.toFile(), "r")) {
            long size = f.length();
            f.seek(offset);
            byte[] buf = new byte[64 * 1024];
            while (offset < size) {
                int n = f.read(buf, 0, (int) Math.min(buf.length, size - offset));
                if (n <= 0) {
                    break;
                }
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        counted++;
                    }
                }
                offset += n;
            }
        } catch (IOException e) {
            // Not created yet or briefly unreadable: the next poll counts it.
        }
        long now = System.nanoTime();
        // The window opens at this run's first line, so the model's loading does not count as slowness.
        if (counted > 0 || !samples.isEmpty()) {
            samples.addLast(new long[] {now, counted});
            while (samples.size() > 2 && now - samples.peekFirst()[0] > WINDOW_NANOS) {
                samples.removeFirst();
            }
        }
        // Until the window holds two samples (plain lines print every 10 s), the rate is over the whole run.
        long[] oldest = samples.size() < 2 ? new long[] {startNanos, 0} : samples.peekFirst();
        return new ProgressFormat.Snapshot(doneBefore + counted, total, counted - oldest[1], (now - oldest[0]) / 1e9);
    }

    private void print() {
        ProgressFormat.Snapshot s = poll();
        if (mode == Mode.BAR) {
            out.print("\r" + ProgressFormat.bar(s));
        } else {
            out.println(ProgressFormat.line(s));
        }
        out.flush();
    }

    /** Lines appended since the run started, read now. */
    long linesThisRun() {
        poll();
        synchronized (this) {
            return counted;
        }
    }

    /** Prints the final state once and stops; the last bar is ended with a newline. */
    @Override
    public void close() {
        timer.shutdownNow();
        if (mode != Mode.NONE) {
            print();
            if (mode == Mode.BAR) {
                out.println();
            }
        }
    }
}
