package dev.streaminfer.jobs;

import dev.streaminfer.functions.batching.BatchedInference;
import dev.streaminfer.functions.batching.BatchingOptions;
import dev.streaminfer.functions.decode.DecodeFunction;
import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.functions.model.DeadLetter;
import dev.streaminfer.contract.model.CancelMarker;
import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.functions.model.RawRecord;
import dev.streaminfer.functions.quota.QuotaFunction;
import dev.streaminfer.contract.quota.QuotaUpdate;
import dev.streaminfer.functions.quota.QuotaUpdateDecodeFunction;
import dev.streaminfer.functions.sink.ResultSizeGuard;
import dev.streaminfer.contract.quota.UsageDocument;
import java.time.Duration;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;

/**
 * The inference job. Requests from Kafka are decoded (bad ones to the DLQ), charged against the
 * user's quota in keyed state (plan changes from the compacted {@code quota-updates} and refunds
 * from {@code quota-refunds} arrive on the same key), micro-batched into asynchronous ONNX Runtime
 * calls, and their results written to PostgreSQL, Redis and the results topic. Requests that end
 * without being computed send their refund back through {@code quota-refunds}.
 *
 * <p>{@link #buildPipeline} is the seam: it wires the processing between any three sources of raw
 * records and the returned streams, so tests feed bounded sources and collect the outputs;
 * {@link #define} plugs in Kafka and the real sinks.
 */
public final class InferenceJob {

    public static final String JOB_NAME = "streaminfer-inference";

    /**
     * Longest a record waits in a network buffer before it is sent on, at each shuffle, unless
     * {@code execution.buffer-timeout.interval} is set. Flink's 100 ms default is paid at every
     * shuffle of the path (decode to quota, quota to the batcher, results to the sinks), which
     * made an idle request's round trip about 50 times its inference; full buffers leave at once
     * whatever the timeout, so under load this costs nothing.
     */
    public static final Duration DEFAULT_BUFFER_TIMEOUT = Duration.ofMillis(2);

    /** Everything the processing produces, before the sinks. */
    public record Outputs(
            DataStream<InferenceResult> results,
            DataStream<DeadLetter> deadLetters,
            DataStream<UsageDocument> usage,
            DataStream<QuotaUpdate> refunds) {}

    private InferenceJob() {}

    public static void main(String[] args) throws Exception {
        Configuration conf = JobOptions.resolve(args, System.getenv());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        define(env, conf);
        env.execute(JOB_NAME);
    }

    /** Runs the job on a local MiniCluster with the Flink Web UI on {@code webUiPort}. */
    public static JobClient startLocal(Configuration conf, int webUiPort, int parallelism) throws Exception {
        Configuration local = new Configuration(conf);
        local.set(RestOptions.PORT, webUiPort);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironmentWithWebUI(local);
        env.setParallelism(parallelism);
        define(env, conf);
        return env.executeAsync(JOB_NAME);
    }

    /** Adds the whole job, sources to sinks, to {@code env}. */
    public static void define(StreamExecutionEnvironment env, Configuration conf) {
        ModelRegistry registry = BatchingOptions.modelRegistry(conf, System.getenv());
        checkDeliveryLimits(conf, registry);
        DeliveryLimits.checkTopicLimits(conf.get(JobOptions.KAFKA_BOOTSTRAP_SERVERS),
                List.of(conf.get(JobOptions.RESULTS_TOPIC), conf.get(JobOptions.DLQ_TOPIC)),
                conf.get(JobOptions.KAFKA_MAX_RECORD_BYTES), Duration.ofSeconds(10));
        if (!conf.contains(ExecutionOptions.BUFFER_TIMEOUT)) {
            env.setBufferTimeout(DEFAULT_BUFFER_TIMEOUT.toMillis());
        }
        env.enableCheckpointing(conf.get(JobOptions.CHECKPOINT_INTERVAL).toMillis());
        env.getCheckpointConfig().setCheckpointTimeout(conf.get(JobOptions.CHECKPOINT_TIMEOUT).toMillis());
        JobConnectors connectors = new JobConnectors(conf);
        Outputs outputs = buildPipeline(connectors.requests(env), connectors.quotaUpdates(env), connectors.refunds(env),
                PipelineSettings.fromConfiguration(conf), registry);
        connectors.attachSinks(outputs);
    }

    /** Fails before anything runs if a result could be too large to write or a transaction could time out. */
    static void checkDeliveryLimits(Configuration conf, ModelRegistry registry) {
        DeliveryLimits.checkTransactionTimeout(conf.get(JobOptions.TRANSACTION_TIMEOUT),
                conf.get(JobOptions.CHECKPOINT_INTERVAL), conf.get(JobOptions.CHECKPOINT_TIMEOUT),
                conf.get(RestartStrategyOptions.RESTART_STRATEGY_EXPONENTIAL_DELAY_MAX_BACKOFF));
        DeliveryLimits.checkRecordSize(registry, conf.get(JobOptions.KAFKA_MAX_RECORD_BYTES));
    }

    /**
     * <pre>
     * requests ─────decode──────────▶ keyBy(user) ─▶ quota ─┬─▶ admitted ─(event time ends)─▶ batch, infer ─▶ size check ─┬─▶ results
     *           └─▶ cancels ─(event time ends)─▶ broadcast ───────────────────────────────▲                            │
     *                                                  ▲     ├─▶ rejected ─────────────────────────────────────────────────┤
     * plan changes ─┬─union─decode──▶ keyBy(user) ─────┘     └─▶ usage                                                      └─▶ refunds
     * refunds ──────┘
     * (each decode: bad records ─▶ dead letters; size check: results too large to write ─▶ failed + dead letters)
     * </pre>
     *
     * Cancels are records of the requests topic (after their request, in its partition); the
     * batcher applies them to what it holds, so the outcome follows from the job's input and state.
     *
     * Event time (the sources' watermarks) matters only to the quota, which expires idle users'
     * state by it. It ends right after the quota: watermarks would otherwise segment the unordered
     * asynchronous inference queue and take some of its in-flight slots.
     */
    public static Outputs buildPipeline(DataStream<RawRecord> rawRequests, DataStream<RawRecord> rawPlanChanges,
                                        DataStream<RawRecord> rawRefunds, PipelineSettings settings,
                                        ModelRegistry registry) {
        SingleOutputStreamOperator<InferenceRequest> requests = rawRequests
                .process(new DecodeFunction(registry, settings.maxClockSkew()))
                .name("decode and validate").uid("decode");
        SingleOutputStreamOperator<QuotaUpdate> updates = rawPlanChanges
                .union(rawRefunds)
                .process(new QuotaUpdateDecodeFunction())
                .name("decode quota updates").uid("decode-quota-updates");

        SingleOutputStreamOperator<InferenceRequest> admitted = requests
                .keyBy(InferenceRequest::userId)
                .connect(updates.keyBy(QuotaUpdate::userId))
                .process(new QuotaFunction(settings.defaultPlan()))
                .name("quota").uid("quota");
        DataStream<InferenceRequest> toInfer = admitted
                .assignTimestampsAndWatermarks(WatermarkStrategy.noWatermarks())
                .name("event time ends").uid("event-time-ends");

        DataStream<CancelMarker> cancels = requests.getSideOutput(DecodeFunction.CANCELS)
                .assignTimestampsAndWatermarks(WatermarkStrategy.noWatermarks())
                .name("cancels: event time ends").uid("cancels-event-time-ends");

        SingleOutputStreamOperator<InferenceResult> computed = infer(toInfer, cancels, settings, registry)
                .process(new ResultSizeGuard(settings.resultSize()))
                .name("result size check").uid("result-size-check");
        DataStream<QuotaUpdate> refunds = computed
                .flatMap((InferenceResult result, Collector<QuotaUpdate> out) ->
                        QuotaUpdate.refundFor(result).ifPresent(out::collect))
                .returns(TypeInformation.of(QuotaUpdate.class))
                .name("refunds").uid("refunds");

        return new Outputs(
                computed.union(admitted.getSideOutput(QuotaFunction.REJECTED)),
                requests.getSideOutput(DecodeFunction.DEAD_LETTERS)
                        .union(updates.getSideOutput(DecodeFunction.DEAD_LETTERS),
                                computed.getSideOutput(DecodeFunction.DEAD_LETTERS)),
                admitted.getSideOutput(QuotaFunction.USAGE),
                refunds);
    }

    private static DataStream<InferenceResult> infer(DataStream<InferenceRequest> admitted,
                                                     DataStream<CancelMarker> cancels, PipelineSettings settings,
                                                     ModelRegistry registry) {
        return BatchedInference.apply(admitted, cancels, settings.batching(), registry);
    }
}
