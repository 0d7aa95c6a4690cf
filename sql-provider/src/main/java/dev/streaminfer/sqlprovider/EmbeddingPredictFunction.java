package dev.streaminfer.sqlprovider;

import dev.streaminfer.contract.concurrent.DaemonThreads;
import dev.streaminfer.contract.model.RequestStatus;
import dev.streaminfer.contract.validation.InputValidator;
import dev.streaminfer.functions.batching.InferenceMetrics;
import dev.streaminfer.functions.inference.DeviceSelection;
import dev.streaminfer.functions.inference.EmbeddingModel;
import dev.streaminfer.functions.inference.ExecutionDevice;
import dev.streaminfer.functions.inference.SessionSettings;
import dev.streaminfer.functions.inference.SharedExecutors;
import dev.streaminfer.functions.inference.SharedModels;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.table.data.GenericArrayData;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.functions.AsyncPredictFunction;
import org.apache.flink.table.functions.FunctionContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ML_PREDICT's function for a {@code streaminfer} model. Flink calls {@link #asyncPredict} one
 * row at a time; the rows in flight (up to ML_PREDICT's {@code max-concurrent-operations}) wait in
 * {@link PendingRows}, which decides when they leave as one batch for the TaskManager's shared
 * inference threads ({@link SharedExecutors}) and ONNX session ({@link SharedModels}), the ones
 * the DataStream job uses. Texts are checked by the same {@link InputValidator} as in the API and
 * the job; a text that fails it is handled as {@code error-handling} says.
 */
public final class EmbeddingPredictFunction extends AsyncPredictFunction {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddingPredictFunction.class);

    /** How often a non-empty buffer looks again whether a thread is free (as the job's batcher). */
    static final long POLL_MS = 1;

    private final ModelSettings settings;

    private transient SharedModels.Lease lease;
    private transient EmbeddingModel model;
    private transient ExecutionDevice device;
    private transient ExecutorService executor;
    private transient ScheduledExecutorService timer;
    private transient ScheduledFuture<?> armed;
    private transient long armedFor;
    private transient PendingRows<Pending> pending;
    private transient InferenceMetrics metrics;

    /** A row waiting for its vector. */
    private record Pending(long[] tokenIds, CompletableFuture<Collection<RowData>> result) {}

    public EmbeddingPredictFunction(ModelSettings settings) {
        this.settings = settings;
    }

    @Override
    public void open(FunctionContext context) throws Exception {
        device = DeviceSelection.selectAndLog(settings.device(),
                context.getExternalResourceInfos(DeviceSelection.GPU_RESOURCE), "model option device");
        // Held for the function's life: a SQL model is in use as long as its query runs.
        lease = SharedModels.jvmWide().acquire(settings.spec(), new SessionSettings(settings.intraOpThreads(), device));
        model = lease.model();
        executor = SharedExecutors.acquire(device, settings.threads());
        timer = DaemonThreads.singleThreadScheduler("ml-predict-batcher-" + settings.spec().name());
        pending = new PendingRows<>(settings.limits());
        metrics = new InferenceMetrics(context.getMetricGroup(), SharedModels.jvmWide());
    }

    @Override
    public CompletableFuture<Collection<RowData>> asyncPredict(RowData input) {
        CompletableFuture<Collection<RowData>> result = new CompletableFuture<>();
        StringData text = input.isNullAt(0) ? null : input.getString(0);
        long[][] ids = new long[1][];
        InputValidator.Outcome outcome = InputValidator.validate(new String[] {text == null ? null : text.toString()},
                settings.spec().maxInputTokens(), t -> {
                    ids[0] = model.tokenizer().tokenIds(t);
                    return ids[0].length;
                });
        if (!outcome.isValid()) {
            rejected(outcome, result);
            return result;
        }
        pending.add(new Pending(ids[0], result), outcome.totalTokens(), System.currentTimeMillis());
        dispatch();
        return result;
    }

    private void rejected(InputValidator.Outcome outcome, CompletableFuture<Collection<RowData>> result) {
        // The validator speaks of inputs[0]; here the input is the row's text column. Never the text itself.
        String reason = outcome.failure().code().code() + ": "
                + outcome.failure().message().replace("inputs[0]", "the text");
        metrics.ended(settings.spec().name(), RequestStatus.FAILED, 1);
        switch (settings.errorHandling()) {
            case FAIL -> result.completeExceptionally(new InvalidTextException("ML_PREDICT with model "
                    + settings.spec().name() + " cannot embed a row (" + reason + "); set the model option"
                    + " 'error-handling' to 'null' or 'skip' to go on past such rows"));
            case NULL -> {
                LOG.warn("model {}: row not embedded, NULL embedding ({})", settings.spec().name(), reason);
                result.complete(List.of(GenericRowData.of((Object) null)));
            }
            case SKIP -> {
                LOG.warn("model {}: row not embedded, dropped ({})", settings.spec().name(), reason);
                result.complete(List.of());
            }
        }
    }

    /** Sends the batches that may leave now to the inference threads; arms the next look. */
    private void dispatch() {
        long now = System.currentTimeMillis();
        for (List<Pending> batch : pending.drain(now, SharedExecutors.occupancy())) {
            try {
                executor.execute(() -> run(batch));
            } catch (RejectedExecutionException e) {
                fail(batch, new IllegalStateException("the inference executor is shut down", e));
            }
        }
        arm(now);
    }

    /**
     * The armed look: it disarms first, so that the dispatch it runs re-arms for rows that arrived
     * meanwhile (a look that is running is not done, and would otherwise count as the next one).
     */
    private void lookAgain() {
        synchronized (this) {
            armed = null;
        }
        dispatch();
    }

    private synchronized void arm(long now) {
        if (timer == null || pending.size() == 0) {
            return;
        }
        long due = Math.min(pending.flushTime(), now + POLL_MS);
        if (armed != null && !armed.isDone() && armedFor <= due) {
            return; // an earlier look comes first and arms again
        }
        armedFor = due;
        armed = timer.schedule(this::lookAgain, Math.max(0, due - now), TimeUnit.MILLISECONDS);
    }

    private void run(List<Pending> batch) {
        long t0 = System.nanoTime();
        try {
            List<long[]> ids = new ArrayList<>(batch.size());
            int tokens = 0;
            for (Pending p : batch) {
                ids.add(p.tokenIds());
                tokens += p.tokenIds().length;
            }
            float[][] vectors = model.embedTokenIds(ids, settings.paddedTokenBudget());
            metrics.computed(settings.spec().name(), batch.size(), tokens, System.nanoTime() - t0);
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).result().complete(List.of(GenericRowData.of(new GenericArrayData(vectors[i]))));
            }
        } catch (RuntimeException | LinkageError e) {
            LOG.error("model {}: a batch of {} rows failed: {}", settings.spec().name(), batch.size(), e.toString(), e);
            metrics.ended(settings.spec().name(), RequestStatus.FAILED, batch.size());
            fail(batch, e);
        }
        // This thread is free (or about to be): the next batch may leave.
        ScheduledExecutorService t = timer;
        if (t != null) {
            try {
                t.execute(this::dispatch);
            } catch (RejectedExecutionException closing) {
                // closing: nothing more leaves
            }
        }
    }

    private static void fail(List<Pending> batch, Throwable cause) {
        for (Pending p : batch) {
            p.result().completeExceptionally(cause);
        }
    }

    @Override
    public void close() throws Exception {
        if (timer != null) {
            timer.shutdownNow();
            timer = null;
        }
        if (executor != null) {
            SharedExecutors.release(device);
            executor = null;
        }
        if (lease != null) {
            lease.close();
            lease = null;
        }
    }

    /** A row's text that the model cannot embed, with the reason (never the text). */
    public static final class InvalidTextException extends IllegalArgumentException {
        public InvalidTextException(String message) {
            super(message);
        }
    }
}
