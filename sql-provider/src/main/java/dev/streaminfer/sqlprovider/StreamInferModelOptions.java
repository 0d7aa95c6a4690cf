package dev.streaminfer.sqlprovider;

import dev.streaminfer.functions.batching.BatchingOptions;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/**
 * The options of {@code CREATE MODEL ... WITH ('provider' = 'streaminfer', ...)}: a typed option
 * with its default and description each, in one place. Defaults are the DataStream job's
 * ({@link BatchingOptions}), so a model behaves the same in SQL and in the job.
 */
public final class StreamInferModelOptions {

    /** What a row whose text cannot be embedded (blank, longer than the model accepts) becomes. */
    public enum ErrorHandling {
        /** The row's prediction fails, and with it the job (Flink's async operator fails on a failed row). */
        FAIL,
        /** The row goes on with a NULL embedding (logged at WARN without its text, counted as a failure). */
        NULL,
        /** The row is dropped from ML_PREDICT's output (logged and counted the same way). */
        SKIP
    }

    public static final ConfigOption<String> MODEL =
            ConfigOptions.key("model").stringType().noDefaultValue()
                    .withDescription("Name of the model in the registry: a bundled one (all-minilm-l6-v2-q,"
                            + " bge-small-en-v15-q, all-minilm-l6-v2, bge-small-en-v15) or one of models-file.");
    public static final ConfigOption<String> MODELS_FILE =
            ConfigOptions.key("models-file").stringType().noDefaultValue()
                    .withDescription("JSON models file adding models to the bundled ones (the job's"
                            + " streaminfer.models.file format); read where the statement is planned.");
    public static final ConfigOption<Integer> MAX_TEXTS =
            ConfigOptions.key("max-texts").intType().defaultValue(BatchingOptions.MAX_BATCH_TEXTS.defaultValue())
                    .withDescription("Most rows in one batch (a model's own max_batch_texts overrides it). 1 with"
                            + " max-wait 0 is one ONNX call per row.");
    public static final ConfigOption<Integer> MAX_TOKENS =
            ConfigOptions.key("max-tokens").intType().defaultValue(BatchingOptions.MAX_BATCH_TOKENS.defaultValue())
                    .withDescription("Most tokens, summed over its rows, in one batch.");
    public static final ConfigOption<Duration> MAX_WAIT =
            ConfigOptions.key("max-wait").durationType().defaultValue(BatchingOptions.MAX_WAIT.defaultValue())
                    .withDescription("Batches are work-conserving: one leaves as soon as an inference thread is"
                            + " free; while every thread is busy rows wait for the next batch, at most this long"
                            + " before their batch queues anyway.");
    public static final ConfigOption<Integer> PADDED_TOKEN_BUDGET =
            ConfigOptions.key("padded-token-budget").intType()
                    .defaultValue(BatchingOptions.PADDED_TOKEN_BUDGET.defaultValue())
                    .withDescription("Length-aware execution: a batch whose rows x longest row exceed this runs"
                            + " as sub-batches of similar length. 0: one call padded to the longest row.");
    public static final ConfigOption<Integer> THREADS =
            ConfigOptions.key("threads").intType().defaultValue(BatchingOptions.INFERENCE_THREADS.defaultValue())
                    .withDescription("Inference threads per TaskManager and device (shared with every other"
                            + " user of the pool in that TaskManager; its first user sizes it).");
    public static final ConfigOption<Integer> INTRA_OP_THREADS =
            ConfigOptions.key("intra-op-threads").intType()
                    .defaultValue(BatchingOptions.INTRA_OP_THREADS.defaultValue())
                    .withDescription("ONNX Runtime intra-op threads per session.");
    public static final ConfigOption<String> DEVICE =
            ConfigOptions.key("device").stringType().defaultValue(BatchingOptions.DEVICE.defaultValue())
                    .withDescription("cpu, cuda or auto, as streaminfer.inference.device: CUDA on the GPU Flink"
                            + " assigned to the task (external resource 'gpu'), else the CPU.");
    public static final ConfigOption<ErrorHandling> ERROR_HANDLING =
            ConfigOptions.key("error-handling").enumType(ErrorHandling.class).defaultValue(ErrorHandling.FAIL)
                    .withDescription("A row whose text cannot be embedded (NULL, blank, longer than the model's"
                            + " max input tokens): FAIL fails the job with the reason, NULL emits the row with a"
                            + " NULL embedding, SKIP drops it.");

    public static final List<ConfigOption<?>> OPTIONAL = List.of(MODELS_FILE, MAX_TEXTS, MAX_TOKENS, MAX_WAIT,
            PADDED_TOKEN_BUDGET, THREADS, INTRA_OP_THREADS, DEVICE, ERROR_HANDLING);

    private StreamInferModelOptions() {}
}
