package dev.streaminfer.jobs;

import dev.streaminfer.contract.quota.QuotaPlan;
import dev.streaminfer.functions.batching.BatchingOptions;
import dev.streaminfer.functions.batching.BatchingSettings;
import dev.streaminfer.functions.inference.SessionSettings;
import java.time.Duration;
import org.apache.flink.configuration.ReadableConfig;

/**
 * What the processing between sources and sinks depends on, typed and validated once: the
 * default quota plan, the batching settings, and the inference layout.
 */
public record PipelineSettings(
        QuotaPlan defaultPlan,
        BatchingSettings batching,
        JobOptions.InferenceMode inferenceMode,
        SessionSettings sessions,
        int inferenceThreads,
        Duration perRecordTimeout,
        int perRecordMaxInFlight,
        Duration maxClockSkew) {

    /** @throws IllegalArgumentException naming the option, for an unknown default plan */
    public static PipelineSettings fromConfiguration(ReadableConfig conf) {
        QuotaPlan defaultPlan = QuotaPlan.builtIn(conf.get(JobOptions.QUOTA_DEFAULT_PLAN)).orElseThrow(() ->
                new IllegalArgumentException("unknown plan in " + JobOptions.QUOTA_DEFAULT_PLAN.key() + ": "
                        + conf.get(JobOptions.QUOTA_DEFAULT_PLAN)));
        return new PipelineSettings(defaultPlan,
                BatchingSettings.fromConfiguration(conf),
                conf.get(JobOptions.INFERENCE_MODE),
                new SessionSettings(conf.get(BatchingOptions.INTRA_OP_THREADS)),
                conf.get(BatchingOptions.INFERENCE_THREADS),
                conf.get(JobOptions.PER_RECORD_TIMEOUT),
                conf.get(JobOptions.PER_RECORD_MAX_IN_FLIGHT),
                conf.get(JobOptions.MAX_CLOCK_SKEW));
    }
}
