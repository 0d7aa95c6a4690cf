package dev.streaminfer.functions.batching;

import dev.streaminfer.contract.registry.ModelRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.ReadableConfig;

/**
 * Every setting of micro-batched inference: a typed option with its default and description, in
 * one place. {@link BatchingSettings#fromConfiguration} reads them.
 */
public final class BatchingOptions {

    public static final ConfigOption<Integer> MAX_BATCH_TEXTS =
            ConfigOptions.key("streaminfer.batching.max-texts").intType().defaultValue(32)
                    .withDescription("A batch takes at most this many texts (per model; a model's own"
                            + " max_batch_texts overrides it). 1, with max-wait 0, is record-at-a-time inference.");
    public static final ConfigOption<Integer> MAX_BATCH_TOKENS =
            ConfigOptions.key("streaminfer.batching.max-tokens").intType().defaultValue(8192)
                    .withDescription("A batch closes at this many tokens, summed over its texts (per model;"
                            + " max_batch_tokens overrides it).");
    public static final ConfigOption<Duration> MAX_WAIT =
            ConfigOptions.key("streaminfer.batching.max-wait").durationType().defaultValue(Duration.ofMillis(20))
                    .withDescription("Batches are work-conserving: one leaves as soon as an inference thread is"
                            + " free, with what is buffered (while other threads work, a batch under a quarter"
                            + " of max-texts waits for more). While every thread is busy the buffer grows; it"
                            + " leaves anyway (to queue for the next free thread) once its oldest request has"
                            + " waited this long.");
    public static final ConfigOption<Integer> PADDED_TOKEN_BUDGET =
            ConfigOptions.key("streaminfer.batching.padded-token-budget").intType().defaultValue(1024)
                    .withDescription("Length-aware execution: a batch whose rows × longest member exceed this"
                            + " runs as sub-batches of texts of similar length, each within it, so a few long"
                            + " texts do not pad every short one. 0 runs each batch as one call padded to its"
                            + " longest member.");
    public static final ConfigOption<Integer> MAX_IN_FLIGHT_BATCHES =
            ConfigOptions.key("streaminfer.batching.max-in-flight").intType().defaultValue(4)
                    .withDescription("Batches in flight per subtask (running or queued for the executor) before"
                            + " back-pressure; checkpointed by the async operator.");
    public static final ConfigOption<Duration> BATCH_TIMEOUT =
            ConfigOptions.key("streaminfer.batching.timeout").durationType().defaultValue(Duration.ofMinutes(2))
                    .withDescription("Longest one batch may take, retries and splitting included; its requests"
                            + " then end failed (or expired), the job goes on.");
    public static final ConfigOption<Integer> RETRY_ATTEMPTS =
            ConfigOptions.key("streaminfer.batching.retry.attempts").intType().defaultValue(3)
                    .withDescription("Attempts of a failing batch before it is split to isolate the bad input.");
    public static final ConfigOption<Duration> RETRY_BACKOFF =
            ConfigOptions.key("streaminfer.batching.retry.backoff").durationType().defaultValue(Duration.ofMillis(100))
                    .withDescription("Wait before the first retry; doubled for each further one (at most 5 s).");
    public static final ConfigOption<Integer> PARALLELISM =
            ConfigOptions.key("streaminfer.batching.parallelism").intType().defaultValue(0)
                    .withDescription("Parallelism of the batcher and inference operators; 0 keeps the job's.");

    public static final ConfigOption<Integer> INFERENCE_THREADS =
            ConfigOptions.key("streaminfer.inference.threads").intType().defaultValue(2)
                    .withDescription("Threads per TaskManager and device running batches concurrently (shared by"
                            + " the slots).");
    public static final ConfigOption<Integer> INTRA_OP_THREADS =
            ConfigOptions.key("streaminfer.inference.intra-op-threads").intType().defaultValue(1)
                    .withDescription("ONNX Runtime intra-op threads per session.");
    public static final ConfigOption<String> DEVICE =
            ConfigOptions.key("streaminfer.inference.device").stringType().defaultValue("auto")
                    .withDescription("cpu, cuda or auto: cuda/auto use the CUDA execution provider on the GPU Flink"
                            + " assigns (external resource 'gpu', onnxruntime_gpu built with -Pgpu); without one"
                            + " they run on CPU and log why (cuda at WARN).");
    public static final ConfigOption<Integer> MAX_LOADED_MODELS =
            ConfigOptions.key("streaminfer.inference.max-loaded-models").intType().defaultValue(4)
                    .withDescription("Models kept loaded per TaskManager; the least recently used idle one is"
                            + " closed beyond it.");
    public static final ConfigOption<MemorySize> MODEL_MEMORY_BUDGET =
            ConfigOptions.key("streaminfer.inference.model-memory-budget").memoryType()
                    .defaultValue(MemorySize.parse("1 gb"))
                    .withDescription("Bytes of model weights (ONNX files) kept loaded per TaskManager; the least"
                            + " recently used idle model is closed beyond it. 0: no byte budget.");
    public static final ConfigOption<Duration> MODEL_IDLE_TIMEOUT =
            ConfigOptions.key("streaminfer.inference.model-idle-timeout").durationType()
                    .defaultValue(Duration.ofMinutes(30))
                    .withDescription("A model unused this long is closed (loaded again on its next request)."
                            + " 0: kept until evicted.");

    public static final ConfigOption<String> MODELS_FILE =
            ConfigOptions.key("streaminfer.models.file").stringType().noDefaultValue()
                    .withDescription("JSON file adding models (ONNX file, tokenizer, pooling, limits) to the bundled"
                            + " bundled ones; env " + ModelRegistry.MODELS_FILE_ENV + ". Unset: the bundled models only.");

    public static final List<ConfigOption<?>> ALL = List.of(
            MAX_BATCH_TEXTS, MAX_BATCH_TOKENS, MAX_WAIT, PADDED_TOKEN_BUDGET, MAX_IN_FLIGHT_BATCHES, BATCH_TIMEOUT,
            RETRY_ATTEMPTS, RETRY_BACKOFF, PARALLELISM,
            INFERENCE_THREADS, INTRA_OP_THREADS, DEVICE, MAX_LOADED_MODELS, MODEL_MEMORY_BUDGET,
            MODEL_IDLE_TIMEOUT, MODELS_FILE);

    /** The bundled models plus those of {@link #MODELS_FILE} (or its environment variable). */
    public static ModelRegistry modelRegistry(ReadableConfig conf, Map<String, String> environment) {
        return ModelRegistry.resolve(conf.getOptional(MODELS_FILE), environment);
    }

    private BatchingOptions() {}
}
