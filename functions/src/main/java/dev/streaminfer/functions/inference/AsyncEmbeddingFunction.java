package dev.streaminfer.functions.inference;

import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.contract.registry.ModelSpec;

import dev.streaminfer.contract.model.ErrorCode;
import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.contract.model.RequestStatus;
import dev.streaminfer.contract.telemetry.Tracing;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Computes one request's embeddings on a bounded executor, off the task thread. Used with
 * {@code AsyncDataStream.unorderedWait}, whose capacity bounds the requests in flight so that
 * overload turns into back-pressure.
 *
 * <p>This is the record-at-a-time path (what {@code ML_PREDICT} does): the baseline the
 * micro-batched {@code BatchedInference} is benchmarked against.
 */
public class AsyncEmbeddingFunction extends RichAsyncFunction<InferenceRequest, InferenceResult> {

    private static final Logger LOG = LoggerFactory.getLogger(AsyncEmbeddingFunction.class);

    private final ModelRegistry registry;
    private final SessionSettings sessionSettings;
    private final int threads;
    private transient ExecutorService executor;
    private transient Clock clock;

    public AsyncEmbeddingFunction(ModelRegistry registry, SessionSettings sessionSettings, int threads) {
        this.registry = registry;
        this.sessionSettings = sessionSettings;
        this.threads = threads;
    }

    @Override
    public void open(OpenContext openContext) {
        executor = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "onnx-inference");
            t.setDaemon(true);
            return t;
        });
        clock = Clock.systemUTC();
    }

    @Override
    public void asyncInvoke(InferenceRequest request, ResultFuture<InferenceResult> resultFuture) {
        try {
            executor.execute(() -> resultFuture.complete(List.of(compute(request))));
        } catch (RejectedExecutionException e) {
            resultFuture.completeExceptionally(e);
        }
    }

    private InferenceResult compute(InferenceRequest request) {
        long now = clock.millis();
        if (now > request.deadline()) {
            return InferenceResult.unsuccessful(request, RequestStatus.EXPIRED,
                    ErrorCode.DEADLINE_EXCEEDED, "deadline passed before computation", 0, now);
        }
        ModelSpec spec = registry.find(request.model()).orElseThrow();
        try (SharedModels.Lease lease = SharedModels.jvmWide().acquire(spec, sessionSettings)) {
            float[][] embeddings = lease.model().embed(Arrays.asList(request.inputs()));
            return InferenceResult.completed(request, embeddings, request.inputTokens(), clock.millis());
        } catch (InferenceException | ModelUnavailableException e) {
            LOG.warn("inference failed: request_id={} trace_id={} model={} error={}", request.requestId(),
                    Tracing.traceId(request.traceparent()), spec.name(), e.toString());
            return InferenceResult.unsuccessful(request, RequestStatus.FAILED, ErrorCode.INFERENCE_FAILED,
                    "the model could not compute this request", 0, clock.millis());
        }
    }

    @Override
    public void close() {
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
