package dev.streaminfer.functions.batching;

import dev.streaminfer.functions.inference.DeviceSelection;
import dev.streaminfer.functions.inference.ModelCacheLimits;
import dev.streaminfer.contract.registry.ModelSpec;
import java.io.Serializable;
import java.time.Duration;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ReadableConfig;

/**
 * The settings of micro-batched inference (see {@link BatchingOptions} for each one's meaning).
 * Serializable so the operators carry them.
 */
public record BatchingSettings(
        int maxBatchTexts,
        int maxBatchTokens,
        Duration maxWait,
        int maxInFlightBatches,
        Duration batchTimeout,
        RetryPolicy retry,
        int parallelism,
        int inferenceThreads,
        int intraOpThreads,
        DeviceSelection.Preference device,
        ModelCacheLimits modelCache,
        int paddedTokenBudget) implements Serializable {

    public BatchingSettings {
        if (maxInFlightBatches < 1 || inferenceThreads < 1 || intraOpThreads < 1 || parallelism < 0) {
            throw new IllegalArgumentException("batching settings out of range: " + this);
        }
        new BatchLimits(maxBatchTexts, maxBatchTokens, maxWait.toMillis());
    }

    /** Every option at its default. */
    public static BatchingSettings defaults() {
        return fromConfiguration(new Configuration());
    }

    public static BatchingSettings fromConfiguration(ReadableConfig conf) {
        return new BatchingSettings(
                conf.get(BatchingOptions.MAX_BATCH_TEXTS),
                conf.get(BatchingOptions.MAX_BATCH_TOKENS),
                conf.get(BatchingOptions.MAX_WAIT),
                conf.get(BatchingOptions.MAX_IN_FLIGHT_BATCHES),
                conf.get(BatchingOptions.BATCH_TIMEOUT),
                new RetryPolicy(conf.get(BatchingOptions.RETRY_ATTEMPTS),
                        conf.get(BatchingOptions.RETRY_BACKOFF).toMillis(), RetryPolicy.MAX_BACKOFF_MS),
                conf.get(BatchingOptions.PARALLELISM),
                conf.get(BatchingOptions.INFERENCE_THREADS),
                conf.get(BatchingOptions.INTRA_OP_THREADS),
                DeviceSelection.Preference.parse(conf.get(BatchingOptions.DEVICE)),
                new ModelCacheLimits(conf.get(BatchingOptions.MAX_LOADED_MODELS),
                        conf.get(BatchingOptions.MODEL_MEMORY_BUDGET).getBytes(),
                        conf.get(BatchingOptions.MODEL_IDLE_TIMEOUT)),
                conf.get(BatchingOptions.PADDED_TOKEN_BUDGET));
    }

    /** The limits of one model's batches: its own where it sets them, else these. */
    public BatchLimits limitsFor(ModelSpec spec) {
        return new BatchLimits(
                spec != null && spec.maxBatchTexts() > 0 ? spec.maxBatchTexts() : maxBatchTexts,
                spec != null && spec.maxBatchTokens() > 0 ? spec.maxBatchTokens() : maxBatchTokens,
                maxWait.toMillis());
    }

    public BatchingSettings withBatchLimits(int texts, int tokens, Duration wait) {
        return new BatchingSettings(texts, tokens, wait, maxInFlightBatches, batchTimeout, retry, parallelism,
                inferenceThreads, intraOpThreads, device, modelCache, paddedTokenBudget);
    }

    public BatchingSettings withRetry(RetryPolicy policy) {
        return new BatchingSettings(maxBatchTexts, maxBatchTokens, maxWait, maxInFlightBatches, batchTimeout, policy,
                parallelism, inferenceThreads, intraOpThreads, device, modelCache, paddedTokenBudget);
    }

    public BatchingSettings withDevice(DeviceSelection.Preference preference) {
        return new BatchingSettings(maxBatchTexts, maxBatchTokens, maxWait, maxInFlightBatches, batchTimeout, retry,
                parallelism, inferenceThreads, intraOpThreads, preference, modelCache, paddedTokenBudget);
    }

    public BatchingSettings withThreads(int threads, int intraOp) {
        return new BatchingSettings(maxBatchTexts, maxBatchTokens, maxWait, maxInFlightBatches, batchTimeout, retry,
                parallelism, threads, intraOp, device, modelCache, paddedTokenBudget);
    }

    public BatchingSettings withMaxInFlightBatches(int batches) {
        return new BatchingSettings(maxBatchTexts, maxBatchTokens, maxWait, batches, batchTimeout, retry,
                parallelism, inferenceThreads, intraOpThreads, device, modelCache, paddedTokenBudget);
    }
}
