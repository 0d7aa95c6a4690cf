package dev.streaminfer.jobs;

import dev.streaminfer.functions.decode.DecodeFunction;
import dev.streaminfer.functions.inference.AsyncEmbeddingFunction;
import dev.streaminfer.functions.inference.ModelRegistry;
import dev.streaminfer.functions.inference.SessionSettings;
import dev.streaminfer.functions.model.DeadLetter;
import dev.streaminfer.functions.model.InferenceRequest;
import dev.streaminfer.functions.model.InferenceResult;
import dev.streaminfer.functions.model.RawRecord;
import dev.streaminfer.functions.sink.jdbc.ResultRows;
import dev.streaminfer.functions.sink.kafka.DeadLetterSerializer;
import dev.streaminfer.functions.sink.kafka.ResultRecordSerializer;
import dev.streaminfer.functions.sink.redis.RedisSink;
import dev.streaminfer.functions.sink.redis.ResultDocumentWrites;
import dev.streaminfer.functions.source.RawRecordDeserializer;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The inference job: Kafka requests, decoded (bad ones to the DLQ), embedded with ONNX Runtime,
 * results to PostgreSQL, Redis and the results topic.
 *
 * <p>{@link #buildPipeline} is the seam: it wires the processing between any source of raw
 * records and the returned streams, so tests can feed a bounded source and collect the output;
 * {@link #attachSinks} and {@link #kafkaSource} plug in the real edges.
 */
public final class InferenceJob {

    public static final String JOB_NAME = "streaminfer-inference";

    /** The two outputs of the processing. */
    public record Outputs(DataStream<InferenceResult> results, DataStream<DeadLetter> deadLetters) {}

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

    /** Adds the whole job, source to sinks, to {@code env}. */
    public static void define(StreamExecutionEnvironment env, Configuration conf) {
        env.enableCheckpointing(conf.get(JobOptions.CHECKPOINT_INTERVAL).toMillis());
        DataStream<RawRecord> raw = env.fromSource(
                        kafkaSource(conf), WatermarkStrategy.noWatermarks(), "kafka: " + conf.get(JobOptions.REQUESTS_TOPIC))
                .uid("requests-source");
        attachSinks(buildPipeline(raw, conf, ModelRegistry.bundled()), conf);
    }

    public static Outputs buildPipeline(DataStream<RawRecord> raw, Configuration conf, ModelRegistry registry) {
        SingleOutputStreamOperator<InferenceRequest> requests = raw
                .process(new DecodeFunction(registry))
                .name("decode and validate").uid("decode");
        DataStream<DeadLetter> deadLetters = requests.getSideOutput(DecodeFunction.DEAD_LETTERS);

        DataStream<InferenceResult> results = AsyncDataStream.unorderedWait(
                        requests,
                        new AsyncEmbeddingFunction(registry,
                                new SessionSettings(conf.get(JobOptions.INFERENCE_INTRA_OP_THREADS)),
                                conf.get(JobOptions.INFERENCE_THREADS)),
                        conf.get(JobOptions.INFERENCE_TIMEOUT).toMillis(), TimeUnit.MILLISECONDS,
                        conf.get(JobOptions.INFERENCE_MAX_IN_FLIGHT))
                .name("onnx inference").uid("inference");
        return new Outputs(results, deadLetters);
    }

    public static KafkaSource<RawRecord> kafkaSource(Configuration conf) {
        return KafkaSource.<RawRecord>builder()
                .setBootstrapServers(conf.get(JobOptions.KAFKA_BOOTSTRAP_SERVERS))
                .setTopics(conf.get(JobOptions.REQUESTS_TOPIC))
                .setGroupId(conf.get(JobOptions.KAFKA_GROUP_ID))
                .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                .setDeserializer(new RawRecordDeserializer())
                .build();
    }

    public static void attachSinks(Outputs outputs, Configuration conf) {
        String bootstrap = conf.get(JobOptions.KAFKA_BOOTSTRAP_SERVERS);

        outputs.results().sinkTo(JdbcSink.<InferenceResult>builder()
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
                                .build()))
                .name("postgres: inference_results").uid("postgres-sink");

        outputs.results().sinkTo(RedisSink.<InferenceResult>builder()
                        .setRedisUri(conf.get(JobOptions.REDIS_URL))
                        .setWriteMapper(new ResultDocumentWrites(conf.get(JobOptions.REDIS_RESULT_TTL).toSeconds()))
                        .build())
                .name("redis: result documents").uid("redis-sink");

        outputs.results().sinkTo(KafkaSink.<InferenceResult>builder()
                        .setBootstrapServers(bootstrap)
                        .setRecordSerializer(new ResultRecordSerializer(conf.get(JobOptions.RESULTS_TOPIC)))
                        .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                        .setTransactionalIdPrefix(conf.get(JobOptions.TRANSACTIONAL_ID_PREFIX))
                        .setProperty("transaction.timeout.ms",
                                Long.toString(conf.get(JobOptions.TRANSACTION_TIMEOUT).toMillis()))
                        .build())
                .name("kafka: " + conf.get(JobOptions.RESULTS_TOPIC)).uid("results-sink");

        outputs.deadLetters().sinkTo(KafkaSink.<DeadLetter>builder()
                        .setBootstrapServers(bootstrap)
                        .setRecordSerializer(new DeadLetterSerializer(conf.get(JobOptions.DLQ_TOPIC)))
                        .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                        .build())
                .name("kafka: " + conf.get(JobOptions.DLQ_TOPIC)).uid("dlq-sink");
    }
}
