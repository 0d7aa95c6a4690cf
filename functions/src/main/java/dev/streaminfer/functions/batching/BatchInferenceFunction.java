package dev.streaminfer.functions.batching;

import dev.streaminfer.functions.inference.DeviceSelection;
import dev.streaminfer.functions.inference.ExecutionDevice;
import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.contract.registry.ModelSpec;
import dev.streaminfer.functions.inference.SessionSettings;
import dev.streaminfer.functions.inference.SharedExecutors;
import dev.streaminfer.functions.inference.SharedModels;
import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.contract.telemetry.Tracing;
import io.opentelemetry.api.trace.Span;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs micro-batches on ONNX Runtime off the task thread and emits one {@link InferenceResult} per
 * request. Used with {@code AsyncDataStream.unorderedWait}: its capacity bounds the batches in
 * flight (overload becomes back-pressure) and its checkpointed queue re-runs in-flight batches
 * after a failure. The work itself is {@link BatchRunner}'s; every batch completes with results
 * (failed or expired where it must), never exceptionally, so the job does not restart
 * over a bad input or a slow model.
 */
public class BatchInferenceFunction extends RichAsyncFunction<InferenceBatch, InferenceResult> {

    private static final Logger LOG = LoggerFactory.getLogger(BatchInferenceFunction.class);

    private final BatchingSettings settings;
    private final ModelRegistry registry;

    private transient ExecutionDevice device;
    private transient ExecutorService executor;
    private transient InferenceMetrics metrics;
    private transient BatchRunner runner;

    public BatchInferenceFunction(BatchingSettings settings, ModelRegistry registry) {
        this.settings = settings;
        this.registry = registry;
    }

    @Override
    public void open(OpenContext openContext) {
        Set<ExternalResourceInfo> gpus = getRuntimeContext().getExternalResourceInfos(DeviceSelection.GPU_RESOURCE);
        device = DeviceSelection.selectAndLog(settings.device(), gpus, BatchingOptions.DEVICE.key());
        SessionSettings sessions = new SessionSettings(settings.intraOpThreads(), device);
        SharedModels models = SharedModels.jvmWide();
        models.configure(settings.modelCache());
        executor = SharedExecutors.acquire(device, settings.inferenceThreads());
        metrics = new InferenceMetrics(getRuntimeContext().getMetricGroup(), models);
        BatchRunner.Embedder embedder = (ModelSpec spec, List<String> texts) -> {
            try (SharedModels.Lease lease = models.acquire(spec, sessions)) {
                return lease.model().embed(texts);
            }
        };
        runner = new BatchRunner(registry, settings, embedder, System::currentTimeMillis,
                Thread::sleep, metrics, settings.paddedTokenBudget());
    }

    @Override
    public void asyncInvoke(InferenceBatch batch, ResultFuture<InferenceResult> resultFuture) {
        metrics.batchStarted(batch);
        try {
            executor.execute(() -> run(batch, resultFuture));
        } catch (RejectedExecutionException e) {
            metrics.batchDone(batch);
            resultFuture.complete(BatchRunner.unfinished(batch, System.currentTimeMillis(),
                    "the inference executor is shut down", metrics));
        }
    }

    private void run(InferenceBatch batch, ResultFuture<InferenceResult> resultFuture) {
        Span span = batchSpan(batch);
        try {
            metrics.computing(batch, System.currentTimeMillis());
            resultFuture.complete(runner.run(batch));
        } catch (InterruptedException e) {
            // The operator is closing; its checkpointed queue re-runs the batch after a restore.
            Thread.currentThread().interrupt();
        } catch (RuntimeException | LinkageError e) {
            LOG.error("batch could not be run: batch_id={} trace_id={} request_ids={} error={}", batch.batchId(),
                    span.getSpanContext().isValid() ? span.getSpanContext().getTraceId() : null,
                    BatchRunner.requestIds(Arrays.asList(batch.requests())), e.toString(), e);
            resultFuture.complete(BatchRunner.unfinished(batch, System.currentTimeMillis(),
                    "the model could not compute this request", metrics));
        } finally {
            span.end();
            metrics.batchDone(batch);
        }
    }

    /** A span per batch, in a trace of its own, linked to the span of every member request. */
    private static Span batchSpan(InferenceBatch batch) {
        if (!Tracing.enabled()) {
            return Span.getInvalid();
        }
        List<String> members = new ArrayList<>(batch.requests().length);
        for (InferenceRequest request : batch.requests()) {
            members.add(request.traceparent());
        }
        Span span = Tracing.startLinked("inference batch", members);
        span.setAttribute("batch_id", batch.batchId());
        span.setAttribute("model", batch.model());
        span.setAttribute("batch.requests", batch.requests().length);
        span.setAttribute("batch.texts", batch.texts());
        return span;
    }

    @Override
    public void timeout(InferenceBatch batch, ResultFuture<InferenceResult> resultFuture) {
        LOG.warn("batch timed out, its requests end failed or expired: batch_id={} timeout={} request_ids={}",
                batch.batchId(), settings.batchTimeout(), BatchRunner.requestIds(Arrays.asList(batch.requests())));
        resultFuture.complete(BatchRunner.unfinished(batch, System.currentTimeMillis(),
                "inference timed out", metrics));
    }

    @Override
    public void close() {
        if (executor != null) {
            SharedExecutors.release(device);
            executor = null;
        }
    }
}
