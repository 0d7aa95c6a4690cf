package dev.streaminfer.sqlprovider;

import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.Priority;
import dev.streaminfer.functions.batching.BatchAccumulator;
import dev.streaminfer.functions.batching.BatchLimits;
import dev.streaminfer.functions.batching.BufferedRequest;
import dev.streaminfer.functions.inference.SharedExecutors.Occupancy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The rows ML_PREDICT handed over one at a time, waiting to be embedded together: which of them
 * form the next batch is the DataStream job's rule ({@link BatchAccumulator}: work-conserving, a
 * batch leaves as soon as an inference thread is free, up to the text and token limits, or once
 * its oldest row has waited {@link BatchLimits#maxWaitMs()}). Each row is one single-text,
 * normal-priority request without deadline for that rule; rows of one batch leave in arrival
 * order.
 *
 * <p>Plain logic with no Flink in it. Thread-safe: rows arrive on the task thread, batches are
 * drained from there, from the timer and from threads that finished a batch.
 *
 * @param <R> what the caller keeps per row (its tokens and the future to complete)
 */
public final class PendingRows<R> {

    private final BatchAccumulator accumulator;
    private final Map<String, R> rows = new HashMap<>();
    private long nextId;

    public PendingRows(BatchLimits limits) {
        this.accumulator = new BatchAccumulator(limits);
    }

    /** A row of {@code tokens} tokens arrived at {@code now} (epoch ms). */
    public synchronized void add(R row, int tokens, long now) {
        String id = Long.toString(nextId++);
        rows.put(id, row);
        accumulator.add(new BufferedRequest(new InferenceRequest(id, null, null, new String[] {id}, Priority.NORMAL,
                Long.MAX_VALUE, now, tokens, null), now));
    }

    /** The batches that leave now, given what the inference threads are doing. */
    public synchronized List<List<R>> drain(long now, Occupancy threads) {
        List<List<R>> batches = new ArrayList<>();
        for (List<BufferedRequest> batch : accumulator.drain(now, threads).batches()) {
            List<R> members = new ArrayList<>(batch.size());
            for (BufferedRequest b : batch) {
                members.add(rows.remove(b.request().requestId()));
            }
            batches.add(members);
        }
        return batches;
    }

    /** When the oldest waiting row's wait is up; {@link Long#MAX_VALUE} when none waits. */
    public synchronized long flushTime() {
        return accumulator.flushTime();
    }

    public synchronized int size() {
        return accumulator.size();
    }
}
