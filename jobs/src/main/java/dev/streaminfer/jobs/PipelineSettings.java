package dev.streaminfer.jobs;

import dev.streaminfer.contract.quota.QuotaPlan;
import dev.streaminfer.functions.batching.BatchingSettings;
import dev.streaminfer.functions.sink.ResultSizeGuard;
import java.time.Duration;
import org.apache.flink.configuration.ReadableConfig;

/**
 * What the processing between sources and sinks depends on, typed and validated once: the
 * default quota plan, the batching and inference settings, and the result size limit.
 */
public record PipelineSettings(
        QuotaPlan defaultPlan,
        BatchingSettings batching,
        Duration maxClockSkew,
        ResultSizeGuard.Settings resultSize) {

    /** @throws IllegalArgumentException naming the option, for an unknown default plan */
    public static PipelineSettings fromConfiguration(ReadableConfig conf) {
        QuotaPlan defaultPlan = QuotaPlan.builtIn(conf.get(JobOptions.QUOTA_DEFAULT_PLAN)).orElseThrow(() ->
                new IllegalArgumentException("unknown plan in " + JobOptions.QUOTA_DEFAULT_PLAN.key() + ": "
                        + conf.get(JobOptions.QUOTA_DEFAULT_PLAN)));
        return new PipelineSettings(defaultPlan,
                BatchingSettings.fromConfiguration(conf),
                conf.get(JobOptions.MAX_CLOCK_SKEW),
                new ResultSizeGuard.Settings(conf.get(JobOptions.KAFKA_BOOTSTRAP_SERVERS), conf.get(JobOptions.RESULTS_TOPIC),
                        conf.get(JobOptions.KAFKA_MAX_RECORD_BYTES), conf.get(JobOptions.RECORD_LIMIT_REFRESH)));
    }
}
