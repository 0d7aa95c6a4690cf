package dev.streaminfer.jobs;

import dev.streaminfer.functions.batching.BatchedInference;
import dev.streaminfer.functions.batching.BatchingOptions;
import dev.streaminfer.functions.batching.BatchingSettings;
import dev.streaminfer.functions.batching.CancellationCheck;
import dev.streaminfer.functions.decode.DecodeFunction;
import dev.streaminfer.functions.inference.AsyncEmbeddingFunction;
import dev.streaminfer.functions.inference.ModelRegistry;
import dev.streaminfer.functions.inference.SessionSettings;
import dev.streaminfer.functions.model.DeadLetter;
import dev.streaminfer.functions.model.InferenceRequest;
import dev.streaminfer.functions.model.InferenceResult;
import dev.streaminfer.functions.model.RawRecord;
import dev.streaminfer.functions.quota.QuotaFunction;
import dev.streaminfer.functions.quota.QuotaPlan;
import dev.streaminfer.functions.quota.QuotaUpdate;
import dev.streaminfer.functions.quota.QuotaUpdateDecodeFunction;
import dev.streaminfer.functions.quota.UsageMirrorWrites;
import dev.streaminfer.functions.quota.UsageSnapshot;
import dev.streaminfer.functions.sink.kafka.DeadLetterSerializer;
import dev.streaminfer.functions.sink.kafka.QuotaUpdateSerializer;
import dev.streaminfer.functions.sink.kafka.ResultRecordSerializer;
import dev.streaminfer.functions.sink.CloseQuietlySink;
import dev.streaminfer.functions.sink.jdbc.ResultRows;
import dev.streaminfer.functions.sink.redis.RedisSink;
import dev.streaminfer.functions.sink.redis.RedisWriteMapper;
import dev.streaminfer.functions.sink.redis.ResultDocumentWrites;
import dev.streaminfer.functions.source.RawRecordDeserializer;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The inference job. Requests from Kafka are decoded (bad ones to the DLQ), charged against the
 * user's quota in keyed state (plan changes and refunds arrive on the same key from
 * {@code quota-updates}), micro-batched into asynchronous ONNX Runtime calls, and their results
 * written to PostgreSQL, Redis and the results topic. Requests that end without being computed
 * send their refund back through {@code quota-updates}.
 *
 * <p>{@link #buildPipeline} is the seam: it wires the processing between any two sources of raw
 * records and the returned streams, so tests feed bounded sources and collect the outputs;
 * {@link #define} plugs in Kafka and the real sinks.
 */
public final class InferenceJob {

    public static final String JOB_NAME = "streaminfer-inference";

    /** Everything the processing produces, before the sinks. */
    public record Outputs(
            DataStream<InferenceResult> results,
            DataStream<DeadLetter> deadLetters,
            DataStream<UsageSnapshot> usage,
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
        env.enableCheckpointing(conf.get(JobOptions.CHECKPOINT_INTERVAL).toMillis());
        DataStream<RawRecord> requests = env.fromSource(kafkaSource(conf, conf.get(JobOptions.REQUESTS_TOPIC)),
                        WatermarkStrategy.noWatermarks(), "kafka: " + conf.get(JobOptions.REQUESTS_TOPIC))
                .uid("requests-source");
        DataStream<RawRecord> quotaUpdates = env.fromSource(kafkaSource(conf, conf.get(JobOptions.QUOTA_UPDATES_TOPIC)),
                        WatermarkStrategy.noWatermarks(), "kafka: " + conf.get(JobOptions.QUOTA_UPDATES_TOPIC))
                .uid("quota-updates-source");
        ModelRegistry registry = ModelRegistry.fromConfiguration(conf, System.getenv());
        attachSinks(buildPipeline(requests, quotaUpdates, conf, registry,
                CancellationCheck.redis(conf.get(JobOptions.REDIS_URL))), conf);
    }

    public static Outputs buildPipeline(DataStream<RawRecord> rawRequests, DataStream<RawRecord> rawQuotaUpdates,
                                        Configuration conf, ModelRegistry registry, CancellationCheck cancellations) {
        SingleOutputStreamOperator<InferenceRequest> requests = rawRequests
                .process(new DecodeFunction(registry))
                .name("decode and validate").uid("decode");
        SingleOutputStreamOperator<QuotaUpdate> updates = rawQuotaUpdates
                .process(new QuotaUpdateDecodeFunction())
                .name("decode quota updates").uid("decode-quota-updates");

        QuotaPlan defaultPlan = QuotaPlan.builtIn(conf.get(JobOptions.QUOTA_DEFAULT_PLAN)).orElseThrow(() ->
                new IllegalArgumentException("unknown plan in " + JobOptions.QUOTA_DEFAULT_PLAN.key()));
        SingleOutputStreamOperator<InferenceRequest> admitted = requests
                .keyBy(InferenceRequest::userId)
                .connect(updates.keyBy(QuotaUpdate::userId))
                .process(new QuotaFunction(defaultPlan))
                .name("quota").uid("quota");

        DataStream<InferenceResult> computed = infer(admitted, conf, registry, cancellations);
        DataStream<QuotaUpdate> refunds = computed
                .flatMap((InferenceResult result, Collector<QuotaUpdate> out) ->
                        QuotaUpdate.refundFor(result).ifPresent(out::collect))
                .returns(TypeInformation.of(QuotaUpdate.class))
                .name("refunds").uid("refunds");

        return new Outputs(
                computed.union(admitted.getSideOutput(QuotaFunction.REJECTED)),
                requests.getSideOutput(DecodeFunction.DEAD_LETTERS)
                        .union(updates.getSideOutput(DecodeFunction.DEAD_LETTERS)),
                admitted.getSideOutput(QuotaFunction.USAGE),
                refunds);
    }

    private static DataStream<InferenceResult> infer(DataStream<InferenceRequest> admitted, Configuration conf,
                                                     ModelRegistry registry, CancellationCheck cancellations) {
        if (conf.get(JobOptions.INFERENCE_MODE) == JobOptions.InferenceMode.PER_RECORD) {
            return AsyncDataStream.unorderedWait(
                            admitted,
                            new AsyncEmbeddingFunction(registry,
                                    new SessionSettings(conf.get(BatchingOptions.INTRA_OP_THREADS)),
                                    conf.get(BatchingOptions.INFERENCE_THREADS)),
                            conf.get(JobOptions.PER_RECORD_TIMEOUT).toMillis(), TimeUnit.MILLISECONDS,
                            conf.get(JobOptions.PER_RECORD_MAX_IN_FLIGHT))
                    .name("onnx inference (per record)").uid("per-record-inference");
        }
        return BatchedInference.apply(admitted, BatchingSettings.fromConfiguration(conf), registry, cancellations);
    }

    public static KafkaSource<RawRecord> kafkaSource(Configuration conf, String topic) {
        return KafkaSource.<RawRecord>builder()
                .setBootstrapServers(conf.get(JobOptions.KAFKA_BOOTSTRAP_SERVERS))
                .setTopics(topic)
                .setGroupId(conf.get(JobOptions.KAFKA_GROUP_ID))
                .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                // refunds are written transactionally; only committed ones may be applied
                .setProperty("isolation.level", "read_committed")
                .setDeserializer(new RawRecordDeserializer())
                .build();
    }

    public static void attachSinks(Outputs outputs, Configuration conf) {
        outputs.results().sinkTo(new CloseQuietlySink<>(JdbcSink.<InferenceResult>builder()
                        .withQueryStatement(ResultRows.UPSERT_SQL,
                                ResultRows.binder(conf.get(JobOptions.POSTGRES_STORE_EMBEDDINGS)))
                        .withExecutionOptions(JdbcExecutionOptions.builder()
                                .withBatchSize(conf.get(JobOptions.POSTGRES_BATCH_SIZE))
                                .withBatchIntervalMs(conf.get(JobOptions.POSTGRES_BATCH_INTERVAL).toMillis())
                                .withMaxRetries(conf.get(JobOptions.POSTGRES_MAX_RETRIES))
                                .build())
                        .buildAtLeastOnce(new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
                                .withUrl(conf.get(JobOptions.POSTGRES_URL))
                                .withDriverName("org.postgresql.Driver")
                                .withUsername(conf.get(JobOptions.POSTGRES_USER))
                                .withPassword(conf.get(JobOptions.POSTGRES_PASSWORD))
                                .build())))
                .name("postgres: inference_results").uid("postgres-sink");

        outputs.results().sinkTo(redisSink(conf,
                        new ResultDocumentWrites(conf.get(JobOptions.REDIS_RESULT_TTL).toSeconds())))
                .name("redis: result documents").uid("redis-sink");
        outputs.usage().sinkTo(redisSink(conf, new UsageMirrorWrites(conf.get(JobOptions.REDIS_USAGE_TTL).toSeconds())))
                .name("redis: usage mirror").uid("redis-usage-sink");

        outputs.results().sinkTo(exactlyOnceKafkaSink(conf, "results",
                        new ResultRecordSerializer(conf.get(JobOptions.RESULTS_TOPIC))))
                .name("kafka: " + conf.get(JobOptions.RESULTS_TOPIC)).uid("results-sink");
        outputs.refunds().sinkTo(exactlyOnceKafkaSink(conf, "refunds",
                        new QuotaUpdateSerializer(conf.get(JobOptions.QUOTA_UPDATES_TOPIC))))
                .name("kafka: " + conf.get(JobOptions.QUOTA_UPDATES_TOPIC) + " (refunds)").uid("refunds-sink");

        outputs.deadLetters().sinkTo(KafkaSink.<DeadLetter>builder()
                        .setBootstrapServers(conf.get(JobOptions.KAFKA_BOOTSTRAP_SERVERS))
                        .setRecordSerializer(new DeadLetterSerializer(conf.get(JobOptions.DLQ_TOPIC)))
                        .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                        .build())
                .name("kafka: " + conf.get(JobOptions.DLQ_TOPIC)).uid("dlq-sink");
    }

    private static <T> RedisSink<T> redisSink(Configuration conf, RedisWriteMapper<T> mapper) {
        return RedisSink.<T>builder().setRedisUri(conf.get(JobOptions.REDIS_URL)).setWriteMapper(mapper).build();
    }

    /**
     * Exactly-once: records become visible to read_committed consumers when the checkpoint that
     * covers them completes, so a replay after a failure never shows a record twice.
     */
    private static <T> KafkaSink<T> exactlyOnceKafkaSink(
            Configuration conf, String name, KafkaRecordSerializationSchema<T> serializer) {
        return KafkaSink.<T>builder()
                .setBootstrapServers(conf.get(JobOptions.KAFKA_BOOTSTRAP_SERVERS))
                .setRecordSerializer(serializer)
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(conf.get(JobOptions.TRANSACTIONAL_ID_PREFIX) + "-" + name)
                .setProperty("transaction.timeout.ms", Long.toString(conf.get(JobOptions.TRANSACTION_TIMEOUT).toMillis()))
                .build();
    }
}
