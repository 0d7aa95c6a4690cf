package dev.streaminfer.functions.batching;

import dev.streaminfer.contract.model.CancelMarker;
import dev.streaminfer.functions.inference.SharedExecutors.Occupancy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The requests of one model waiting for their batch, and the rule that closes batches
 * (work-conserving, as Triton's dynamic batcher and TEI do): a batch closes
 * <ul>
 *   <li>as soon as an inference thread is free, taking what is buffered up to the limits: no
 *       executor idles while requests wait, and while all are busy the buffer grows into the
 *       next batch instead of queueing behind them. With other threads at work, a tiny batch
 *       (fewer than {@link BatchLimits#tinyTexts()} texts) waits for more, at most
 *       {@link BatchLimits#maxWaitMs()}: under load, batches grow and each one's fixed cost is
 *       shared; an idle pipeline adds no wait at all;</li>
 *   <li>when the buffer holds {@link BatchLimits#maxTexts()} texts or
 *       {@link BatchLimits#maxTokens()} tokens;</li>
 *   <li>when its oldest request has waited {@link BatchLimits#maxWaitMs()}, even with every
 *       thread busy (it then queues for the next free one: no request waits on the batcher
 *       longer).</li>
 * </ul>
 * A batch takes higher priorities first, then older requests; requests whose deadline has passed
 * leave as expired instead of being computed.
 *
 * <p>Plain logic with no Flink in it; not thread-safe (one per operator instance and model).
 */
public final class BatchAccumulator {

    /** Higher priority first; among equals, the older first (the sort is stable). */
    private static final Comparator<BufferedRequest> ORDER = Comparator
            .comparing((BufferedRequest b) -> b.request().priority(), Comparator.reverseOrder())
            .thenComparingLong(BufferedRequest::arrivedAt);

    /** What a drain took out of the buffer. */
    public record Drained(List<List<BufferedRequest>> batches, List<BufferedRequest> expired) {
        public boolean isEmpty() {
            return batches.isEmpty() && expired.isEmpty();
        }
    }

    private final BatchLimits limits;
    private final List<BufferedRequest> pending = new ArrayList<>();
    private int texts;
    private long tokens;

    public BatchAccumulator(BatchLimits limits) {
        this.limits = limits;
    }

    public void add(BufferedRequest request) {
        pending.add(request);
        texts += request.texts();
        tokens += request.request().inputTokens();
    }

    public boolean isEmpty() {
        return pending.isEmpty();
    }

    public int size() {
        return pending.size();
    }

    public int texts() {
        return texts;
    }

    /** True when a batch can close without waiting: the buffer reached a text or token limit. */
    public boolean isFull() {
        return texts >= limits.maxTexts() || tokens >= limits.maxTokens();
    }

    /** When the oldest request's wait is up; {@link Long#MAX_VALUE} when empty. */
    public long flushTime() {
        long oldest = Long.MAX_VALUE;
        for (BufferedRequest b : pending) {
            oldest = Math.min(oldest, b.arrivedAt());
        }
        return oldest == Long.MAX_VALUE ? oldest : oldest + limits.maxWaitMs();
    }

    /**
     * Takes out the requests past their deadline, then every batch that may close at {@code now}
     * with every inference thread busy: full ones, and all the rest once the oldest request's
     * wait is up.
     */
    public Drained drain(long now) {
        return drain(now, Occupancy.ALL_BUSY, false);
    }

    /**
     * As {@link #drain(long)}, and one batch more (up to the limits) for a free thread: at once
     * when the threads are all {@link Occupancy#IDLE}, and with {@link Occupancy#SOME_FREE} unless
     * the buffer is tiny.
     */
    public Drained drain(long now, Occupancy threads) {
        return drain(now, threads, false);
    }

    /** Takes out everything, in batches (end of input). */
    public Drained drainAll(long now) {
        return drain(now, Occupancy.ALL_BUSY, true);
    }

    private Drained drain(long now, Occupancy threads, boolean all) {
        List<BufferedRequest> expired = new ArrayList<>();
        for (BufferedRequest b : List.copyOf(pending)) {
            if (now > b.request().deadline()) {
                expired.add(b);
                remove(List.of(b));
            }
        }
        List<List<BufferedRequest>> batches = new ArrayList<>();
        boolean forFreeThread = threads == Occupancy.IDLE
                || (threads == Occupancy.SOME_FREE && texts >= limits.tinyTexts());
        while (!pending.isEmpty() && (all || isFull() || now >= flushTime() || forFreeThread)) {
            List<BufferedRequest> batch = nextBatch();
            remove(batch);
            batches.add(batch);
            forFreeThread = false;
        }
        return new Drained(batches, expired);
    }

    /** In priority order, as many as fit; the first always goes, even if it alone exceeds a limit. */
    private List<BufferedRequest> nextBatch() {
        List<BufferedRequest> ordered = new ArrayList<>(pending);
        ordered.sort(ORDER);
        List<BufferedRequest> batch = new ArrayList<>();
        int batchTexts = 0;
        long batchTokens = 0;
        for (BufferedRequest b : ordered) {
            boolean fits = batchTexts + b.texts() <= limits.maxTexts()
                    && batchTokens + b.request().inputTokens() <= limits.maxTokens();
            if (!batch.isEmpty() && !fits) {
                break;
            }
            batch.add(b);
            batchTexts += b.texts();
            batchTokens += b.request().inputTokens();
        }
        return batch;
    }

    private void remove(List<BufferedRequest> taken) {
        for (BufferedRequest b : taken) {
            pending.remove(b);
            texts -= b.texts();
            tokens -= b.request().inputTokens();
        }
    }

    /** Takes out the buffered request a cancel names, if it is here and the cancel's user's. */
    public Optional<BufferedRequest> cancel(CancelMarker cancel) {
        for (BufferedRequest b : pending) {
            if (cancel.names(b.request())) {
                remove(List.of(b));
                return Optional.of(b);
            }
        }
        return Optional.empty();
    }

    /** What is buffered, in arrival order (for snapshots). */
    public List<BufferedRequest> pending() {
        return List.copyOf(pending);
    }
}
