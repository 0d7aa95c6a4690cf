package dev.streaminfer.functions.batching;

import dev.streaminfer.functions.inference.EmbeddingModel;
import dev.streaminfer.contract.registry.Execution;
import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.contract.registry.ModelSpec;
import dev.streaminfer.functions.inference.ModelUnavailableException;
import dev.streaminfer.contract.model.ErrorCode;
import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.contract.model.RequestStatus;
import dev.streaminfer.contract.telemetry.Tracing;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Computes one batch into one result per request: plain logic, no Flink.
 *
 * <ol>
 *   <li>Members past their deadline end {@code expired}, not computed (cancels are the
 *       batcher's: a batch that left it is computed).</li>
 *   <li>The rest run in the model's layout ({@link ModelSpec#execution()}), so a text's vector is
 *       the model's output for that text alone whatever its batch mates.
 *       {@link Execution#ROW}: one model call per text. {@link Execution#BATCHED}: one model call,
 *       or length-aware several: when the batch padded to its longest member would exceed the
 *       padded-token budget ({@link BatchingOptions#PADDED_TOKEN_BUDGET}: rows × longest) or the
 *       model's text limit, its texts are sorted by token count and cut into sub-batches that fit
 *       both ({@link EmbeddingModel.SubBatches}). Vectors go back to their requests in order. A
 *       failing batch is tried {@link RetryPolicy#maxAttempts()} times with backoff.</li>
 *   <li>A batch that keeps failing is split in halves, each tried once, recursively; a single
 *       request that still fails after its own retries ends {@code failed}, alone. A model that
 *       cannot be loaded fails its requests after the retries, without splitting (no input is to
 *       blame).</li>
 * </ol>
 * Nothing here throws for a bad input, so the job never restarts over one.
 */
public final class BatchRunner {

    private static final Logger LOG = LoggerFactory.getLogger(BatchRunner.class);

    static final String FAILED_MESSAGE = "the model could not compute this request";
    static final String EXPIRED_MESSAGE = "deadline passed before computation";

    /** Runs the model on texts, in one call; throws on failure. Must be thread-safe. */
    @FunctionalInterface
    public interface Embedder {
        float[][] embed(ModelSpec spec, List<String> texts);
    }

    /** Waits between retries. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(long millis) throws InterruptedException;
    }

    /** What happened, for metrics. Called from the thread that runs the batch. */
    public interface Listener {
        default void computed(String model, int texts, int tokens, long nanos) {}

        default void retried(String model) {}

        default void ended(String model, RequestStatus status, int requests) {}

        Listener NONE = new Listener() {};
    }

    private final ModelRegistry registry;
    private final BatchingSettings settings;
    private final Embedder embedder;
    private final LongSupplier clock;
    private final Sleeper sleeper;
    private final Listener listener;
    private final int paddedTokenBudget;

    /** With the default padded-token budget ({@link BatchingOptions#PADDED_TOKEN_BUDGET}). */
    public BatchRunner(ModelRegistry registry, BatchingSettings settings, Embedder embedder,
                       LongSupplier clock, Sleeper sleeper, Listener listener) {
        this(registry, settings, embedder, clock, sleeper, listener,
                BatchingOptions.PADDED_TOKEN_BUDGET.defaultValue());
    }

    /**
     * @param paddedTokenBudget most rows × longest member per model call; 0 or less runs each
     *     batch as one call padded to its longest member (in chunks of the model's text limit)
     */
    public BatchRunner(ModelRegistry registry, BatchingSettings settings, Embedder embedder,
                       LongSupplier clock, Sleeper sleeper, Listener listener, int paddedTokenBudget) {
        this.paddedTokenBudget = paddedTokenBudget;
        this.registry = registry;
        this.settings = settings;
        this.embedder = embedder;
        this.clock = clock;
        this.sleeper = sleeper;
        this.listener = listener;
    }

    /** One result per member of the batch; interrupted only when the operator is closing. */
    public List<InferenceResult> run(InferenceBatch batch) throws InterruptedException {
        long now = clock.getAsLong();
        List<InferenceResult> results = new ArrayList<>(batch.requests().length);
        List<InferenceRequest> toCompute = new ArrayList<>(batch.requests().length);
        for (InferenceRequest r : batch.requests()) {
            if (now > r.deadline()) {
                results.add(end(r, RequestStatus.EXPIRED, ErrorCode.DEADLINE_EXCEEDED, EXPIRED_MESSAGE, now));
            } else {
                toCompute.add(r);
            }
        }
        if (toCompute.isEmpty()) {
            return results;
        }
        Optional<ModelSpec> spec = registry.find(batch.model());
        if (spec.isEmpty()) {
            LOG.warn("unknown model, failing the batch's requests: batch_id={} model={} requests={} request_ids={}",
                    batch.batchId(), batch.model(), toCompute.size(), requestIds(toCompute));
            for (InferenceRequest r : toCompute) {
                results.add(end(r, RequestStatus.FAILED, ErrorCode.INFERENCE_FAILED, "unknown model", clock.getAsLong()));
            }
            return results;
        }
        results.addAll(computeIsolating(spec.get(), toCompute, settings.retry().maxAttempts()));
        return results;
    }

    private List<InferenceResult> computeIsolating(ModelSpec spec, List<InferenceRequest> requests, int attempts)
            throws InterruptedException {
        try {
            return completed(spec, requests, embedWithRetries(spec, requests, attempts));
        } catch (ModelUnavailableException e) {
            LOG.warn("model unavailable, failing its requests: model={} requests={} request_ids={} error={}",
                    spec.name(), requests.size(), requestIds(requests), e.getMessage());
            return failAll(requests, "model " + spec.name() + " is unavailable");
        } catch (RuntimeException e) {
            if (requests.size() == 1) {
                InferenceRequest failed = requests.get(0);
                LOG.warn("inference failed: request_id={} trace_id={} model={} attempts={} error={}",
                        failed.requestId(), Tracing.traceId(failed.traceparent()), spec.name(), attempts, e.toString());
                return failAll(requests, FAILED_MESSAGE);
            }
            int half = requests.size() / 2;
            List<InferenceRequest> left = requests.subList(0, half);
            List<InferenceRequest> right = requests.subList(half, requests.size());
            LOG.info("batch keeps failing, splitting it: model={} requests={} request_ids={} error={}",
                    spec.name(), requests.size(), requestIds(requests), e.toString());
            List<InferenceResult> results = new ArrayList<>(computeIsolating(spec, left, attemptsFor(left)));
            results.addAll(computeIsolating(spec, right, attemptsFor(right)));
            return results;
        }
    }

    /** The members' ids for a log line (ids only: never inputs). */
    static String requestIds(List<InferenceRequest> requests) {
        StringBuilder ids = new StringBuilder(requests.size() * 37 + 2).append('[');
        for (int i = 0; i < requests.size(); i++) {
            if (i > 0) ids.append(',');
            ids.append(requests.get(i).requestId());
        }
        return ids.append(']').toString();
    }

    /** Halves get one try (a failure splits them again); a single request gets all its retries. */
    private int attemptsFor(List<InferenceRequest> part) {
        return part.size() == 1 ? settings.retry().maxAttempts() : 1;
    }

    private float[][] embedWithRetries(ModelSpec spec, List<InferenceRequest> requests, int attempts)
            throws InterruptedException {
        List<String> texts = new ArrayList<>();
        int tokens = 0;
        for (InferenceRequest r : requests) {
            texts.addAll(Arrays.asList(r.inputs()));
            tokens += r.inputTokens();
        }
        int[] lengths = textTokens(requests, texts.size());
        RuntimeException last = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            try {
                long t0 = System.nanoTime();
                float[][] vectors = embedPlanned(spec, texts, lengths);
                listener.computed(spec.name(), texts.size(), tokens, System.nanoTime() - t0);
                return vectors;
            } catch (RuntimeException e) {
                last = e;
                if (attempt < attempts) {
                    listener.retried(spec.name());
                    sleeper.sleep(settings.retry().backoffMs(attempt));
                }
            }
        }
        throw last;
    }

    private float[][] embedPlanned(ModelSpec spec, List<String> texts, int[] lengths) {
        boolean rows = spec.execution() == Execution.ROW;
        // row by row: no budget, one text per call, in order
        return EmbeddingModel.SubBatches.run(texts, lengths, rows ? 0 : paddedTokenBudget,
                rows ? 1 : settings.limitsFor(spec).maxTexts(),
                part -> checked(spec, embedder.embed(spec, part), part.size()));
    }

    /**
     * Token count of each text, in order: a request's {@code inputTokens} (counted by the job with
     * the model's tokenizer) for its single text, or shared among its texts by their length in
     * characters; a request not yet counted gets an estimate (characters / 4, plus [CLS] and
     * [SEP]). Used only to group texts of similar length.
     */
    static int[] textTokens(List<InferenceRequest> requests, int textCount) {
        int[] lengths = new int[textCount];
        int next = 0;
        for (InferenceRequest r : requests) {
            String[] inputs = r.inputs();
            if (r.inputTokens() > 0 && inputs.length == 1) {
                lengths[next++] = r.inputTokens();
                continue;
            }
            long chars = 0;
            for (String input : inputs) {
                chars += input.length();
            }
            for (String input : inputs) {
                lengths[next++] = r.inputTokens() > 0
                        ? (int) Math.max(1, Math.round((double) r.inputTokens() * input.length() / Math.max(1, chars)))
                        : input.length() / 4 + 2;
            }
        }
        return lengths;
    }

    private static float[][] checked(ModelSpec spec, float[][] vectors, int expected) {
        if (vectors == null || vectors.length != expected) {
            throw new IllegalStateException("model " + spec.name() + " returned " + (vectors == null ? 0 : vectors.length)
                    + " vectors for " + expected + " texts");
        }
        return vectors;
    }

    private List<InferenceResult> completed(ModelSpec spec, List<InferenceRequest> requests, float[][] vectors) {
        long at = clock.getAsLong();
        List<InferenceResult> results = new ArrayList<>(requests.size());
        int offset = 0;
        for (InferenceRequest r : requests) {
            int n = r.inputs().length;
            results.add(InferenceResult.completed(r, Arrays.copyOfRange(vectors, offset, offset + n), r.inputTokens(), at));
            offset += n;
        }
        listener.ended(spec.name(), RequestStatus.COMPLETED, requests.size());
        return results;
    }

    private List<InferenceResult> failAll(List<InferenceRequest> requests, String message) {
        long at = clock.getAsLong();
        List<InferenceResult> results = new ArrayList<>(requests.size());
        for (InferenceRequest r : requests) {
            results.add(end(r, RequestStatus.FAILED, ErrorCode.INFERENCE_FAILED, message, at));
        }
        return results;
    }

    private InferenceResult end(InferenceRequest r, RequestStatus status, ErrorCode code, String message, long at) {
        listener.ended(r.model(), status, 1);
        return InferenceResult.unsuccessful(r, status, code, message, 0, at);
    }

    /** Results for a batch that could not run at all (executor refused it, or it timed out). */
    public static List<InferenceResult> unfinished(InferenceBatch batch, long now, String message, Listener listener) {
        List<InferenceResult> results = new ArrayList<>(batch.requests().length);
        for (InferenceRequest r : batch.requests()) {
            boolean expired = now > r.deadline();
            RequestStatus status = expired ? RequestStatus.EXPIRED : RequestStatus.FAILED;
            listener.ended(r.model(), status, 1);
            results.add(InferenceResult.unsuccessful(r, status,
                    expired ? ErrorCode.DEADLINE_EXCEEDED : ErrorCode.INFERENCE_FAILED,
                    expired ? EXPIRED_MESSAGE : message, 0, now));
        }
        return results;
    }
}
