package dev.streaminfer.functions.batching;

import dev.streaminfer.contract.model.CancelMarker;
import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.contract.model.ErrorCode;
import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.contract.model.RequestStatus;
import dev.streaminfer.functions.inference.SharedExecutors;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledFuture;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * Groups requests into per-model micro-batches, per subtask (not keyed: a hot model spreads over
 * every subtask that the input is rebalanced to). The closing rule is {@link BatchAccumulator}'s
 * (work-conserving: a batch leaves as soon as an inference thread is free); this operator only
 * moves requests between the buffers, processing-time timers, the output and operator state.
 * While requests are buffered and every thread is busy it looks again every
 * {@link #POLL_MS} ms, so a thread that frees up takes the next batch within a millisecond.
 *
 * <p>Buffered requests are written to operator list state at every checkpoint and restored (and
 * redistributed on rescaling) after a failure, with their timers re-armed; requests after the
 * checkpoint are replayed by the source. So a failure loses nothing and emits nothing twice in a
 * way the idempotent sinks cannot absorb. At end of input everything buffered is emitted.
 *
 * <p>The second input is every cancel on the requests topic (broadcast: any subtask may hold the
 * request). A cancel takes its request out of the buffer if it is still here; one whose request
 * has not arrived yet is remembered ({@link CancelledRequests}, in union operator state) and takes
 * it on arrival; one whose request has already left in a batch changes nothing (the request is
 * computed). The decision rests on the job's own input and checkpointed state, not on an outside
 * store. Requests that end here without being computed (deadline passed, cancelled) leave through
 * {@link #UNCOMPUTED}.
 */
public class MicroBatchOperator extends AbstractStreamOperator<InferenceBatch>
        implements TwoInputStreamOperator<InferenceRequest, CancelMarker, InferenceBatch> {

    /** Requests that end in the batcher: deadline passed while waiting, or cancelled. */
    public static final OutputTag<InferenceResult> UNCOMPUTED =
            new OutputTag<>("ended-in-batcher", TypeInformation.of(InferenceResult.class));

    static final String STATE_NAME = "buffered-requests";
    static final String CANCELS_STATE_NAME = "remembered-cancels";
    static final String CANCELLED_MESSAGE = "cancelled before computation";
    /**
     * How long a cancel whose request has not arrived is remembered. The request precedes its cancel
     * on the topic, so it arrives at most a pipeline's delay later (or never: rejected by the quota).
     */
    static final long CANCEL_MEMORY_MS = Duration.ofMinutes(10).toMillis();
    /** How often a non-empty buffer checks for a free inference thread while all are busy. */
    static final long POLL_MS = 1;

    /** What the inference threads are doing now; {@link SharedExecutors#occupancy} in the job. */
    @FunctionalInterface
    public interface ThreadAvailability extends Serializable {
        SharedExecutors.Occupancy occupancy();
    }

    private final BatchingSettings settings;
    private final ModelRegistry registry;
    private final ThreadAvailability threads;

    private transient Map<String, BatchAccumulator> buffers;
    private transient Map<String, Armed> timers;
    private transient ListState<BufferedRequest> checkpointed;
    private transient CancelledRequests cancels;
    private transient ListState<CancelledRequests.Remembered> checkpointedCancels;
    private transient Map<String, Counter> cancelledByModel;
    /** Read by the metrics reporter's thread. */
    private transient volatile int buffered;

    public MicroBatchOperator(BatchingSettings settings, ModelRegistry registry) {
        this(settings, registry, SharedExecutors::occupancy);
    }

    MicroBatchOperator(BatchingSettings settings, ModelRegistry registry, ThreadAvailability threads) {
        this.settings = settings;
        this.registry = registry;
        this.threads = threads;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        buffers = new HashMap<>();
        timers = new HashMap<>();
        cancelledByModel = new HashMap<>();
        checkpointed = context.getOperatorStateStore().getListState(
                new ListStateDescriptor<>(STATE_NAME, TypeInformation.of(BufferedRequest.class)));
        cancels = new CancelledRequests(CANCEL_MEMORY_MS);
        // Union: every subtask saw every cancel, so each one takes back all of them after a rescale.
        checkpointedCancels = context.getOperatorStateStore().getUnionListState(
                new ListStateDescriptor<>(CANCELS_STATE_NAME, TypeInformation.of(CancelledRequests.Remembered.class)));
        if (context.isRestored()) {
            for (BufferedRequest b : checkpointed.get()) {
                bufferOf(b.request().model()).add(b);
            }
            cancels.restore(checkpointedCancels.get());
        }
    }

    @Override
    public void open() throws Exception {
        super.open();
        getMetricGroup().addGroup(InferenceMetrics.ML_GROUP)
                .gauge("buffered_requests", (Gauge<Integer>) () -> buffered);
        // Restored buffers: timers are not part of operator state, so arm them again.
        long now = now();
        for (String model : List.copyOf(buffers.keySet())) {
            drainAndSchedule(model, now);
        }
    }

    @Override
    public void processElement1(StreamRecord<InferenceRequest> element) throws Exception {
        InferenceRequest request = element.getValue();
        long now = now();
        if (cancels.take(request, now)) {
            endCancelled(request, now);
            return;
        }
        bufferOf(request.model()).add(new BufferedRequest(request, now));
        drainAndSchedule(request.model(), now);
    }

    @Override
    public void processElement2(StreamRecord<CancelMarker> element) throws Exception {
        CancelMarker cancel = element.getValue();
        long now = now();
        for (Map.Entry<String, BatchAccumulator> e : buffers.entrySet()) {
            Optional<BufferedRequest> taken = e.getValue().cancel(cancel);
            if (taken.isPresent()) {
                endCancelled(taken.get().request(), now);
                drainAndSchedule(e.getKey(), now);
                return;
            }
        }
        cancels.remember(cancel, now);
    }

    private void endCancelled(InferenceRequest request, long now) {
        cancelledCount(request.model()).inc();
        output.collect(UNCOMPUTED, new StreamRecord<>(InferenceResult.unsuccessful(request, RequestStatus.CANCELLED,
                ErrorCode.CANCELLED, CANCELLED_MESSAGE, 0, now)));
    }

    private void drainAndSchedule(String model, long now) {
        BatchAccumulator buffer = buffers.get(model);
        emit(model, buffer.drain(now, threads.occupancy()), now);
        schedule(model, buffer, now);
        buffered = bufferedRequests();
    }

    /** A processing-time timer armed for one model's buffer. */
    private record Armed(long time, ScheduledFuture<?> future) {}

    /** The next look at a non-empty buffer: in {@link #POLL_MS}, or when its wait is up if sooner. */
    private void schedule(String model, BatchAccumulator buffer, long now) {
        long due = Math.min(buffer.flushTime(), buffer.isEmpty() ? Long.MAX_VALUE : now + POLL_MS);
        Armed armed = timers.get(model);
        if (due == Long.MAX_VALUE) {
            if (armed != null) {
                armed.future().cancel(false);
                timers.remove(model);
            }
            return;
        }
        if (armed != null && armed.time() <= due) {
            return; // an earlier timer fires first and re-arms
        }
        if (armed != null) {
            armed.future().cancel(false);
        }
        timers.put(model, new Armed(due, getProcessingTimeService().registerTimer(due, time -> onTimer(model, time))));
    }

    private void onTimer(String model, long time) {
        Armed armed = timers.get(model);
        if (armed == null || armed.time() != time) {
            return; // superseded
        }
        timers.remove(model);
        drainAndSchedule(model, Math.max(time, now()));
    }

    private void emit(String model, BatchAccumulator.Drained drained, long now) {
        for (BufferedRequest b : drained.expired()) {
            output.collect(UNCOMPUTED, new StreamRecord<>(InferenceResult.unsuccessful(b.request(), RequestStatus.EXPIRED,
                    ErrorCode.DEADLINE_EXCEEDED, "deadline passed while waiting for a batch", 0, now)));
        }
        for (List<BufferedRequest> members : drained.batches()) {
            output.collect(new StreamRecord<>(toBatch(model, members, now)));
        }
    }

    static InferenceBatch toBatch(String model, List<BufferedRequest> members, long now) {
        InferenceRequest[] requests = new InferenceRequest[members.size()];
        long first = Long.MAX_VALUE;
        for (int i = 0; i < requests.length; i++) {
            requests[i] = members.get(i).request();
            first = Math.min(first, members.get(i).arrivedAt());
        }
        String id = requests[0].requestId() + (requests.length > 1 ? "+" + (requests.length - 1) : "");
        return new InferenceBatch(id, model, requests, first, now);
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        List<BufferedRequest> all = new ArrayList<>();
        for (BatchAccumulator buffer : buffers.values()) {
            all.addAll(buffer.pending());
        }
        checkpointed.update(all);
        checkpointedCancels.update(cancels.remembered());
    }

    @Override
    public void finish() throws Exception {
        long now = now();
        for (Map.Entry<String, BatchAccumulator> e : buffers.entrySet()) {
            emit(e.getKey(), e.getValue().drainAll(now), now);
        }
        timers.values().forEach(a -> a.future().cancel(false));
        timers.clear();
        buffered = bufferedRequests();
        super.finish();
    }

    private BatchAccumulator bufferOf(String model) {
        return buffers.computeIfAbsent(model, m -> {
            cancelledCount(m); // exported from a model's first request on, not from its first cancel
            return new BatchAccumulator(settings.limitsFor(registry.find(m).orElse(null)));
        });
    }

    private Counter cancelledCount(String model) {
        return cancelledByModel.computeIfAbsent(model,
                m -> InferenceMetrics.modelGroup(getMetricGroup(), m).counter(InferenceMetrics.CANCELLED));
    }

    private long now() {
        return getProcessingTimeService().getCurrentProcessingTime();
    }

    int bufferedRequests() {
        int n = 0;
        for (BatchAccumulator b : buffers.values()) {
            n += b.size();
        }
        return n;
    }
}
