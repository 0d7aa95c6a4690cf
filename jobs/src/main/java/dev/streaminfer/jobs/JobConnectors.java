package dev.streaminfer.jobs;

import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.functions.batching.CancellationCheck;
import dev.streaminfer.functions.connector.redis.RedisSink;
import dev.streaminfer.functions.connector.redis.RedisWriteMapper;
import dev.streaminfer.functions.model.DeadLetter;
import dev.streaminfer.functions.model.RawRecord;
import dev.streaminfer.functions.quota.UsageMirrorWrites;
import dev.streaminfer.functions.sink.CloseQuietlySink;
import dev.streaminfer.functions.sink.jdbc.ResultRows;
import dev.streaminfer.functions.sink.kafka.DeadLetterSerializer;
import dev.streaminfer.functions.sink.kafka.QuotaUpdateSerializer;
import dev.streaminfer.functions.sink.kafka.ResultRecordSerializer;
import dev.streaminfer.functions.sink.redis.ResultDocumentWrites;
import dev.streaminfer.functions.source.RawRecordDeserializer;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/** Every source and sink of the job, built from the job's options in one place. */
public final class JobConnectors {

    private final ReadableConfig conf;

    public JobConnectors(ReadableConfig conf) {
        this.conf = conf;
    }

    public DataStream<RawRecord> requests(StreamExecutionEnvironment env) {
        return topic(env, conf.get(JobOptions.REQUESTS_TOPIC), "requests-source");
    }

    public DataStream<RawRecord> quotaUpdates(StreamExecutionEnvironment env) {
        return topic(env, conf.get(JobOptions.QUOTA_UPDATES_TOPIC), "quota-updates-source");
    }

    public CancellationCheck cancellations() {
        return CancellationCheck.redis(conf.get(JobOptions.REDIS_URL));
    }

    private DataStream<RawRecord> topic(StreamExecutionEnvironment env, String topic, String uid) {
        KafkaSource<RawRecord> source = KafkaSource.<RawRecord>builder()
                .setBootstrapServers(conf.get(JobOptions.KAFKA_BOOTSTRAP_SERVERS))
                .setTopics(topic)
                .setGroupId(conf.get(JobOptions.KAFKA_GROUP_ID))
                .setStartingOffsets(OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST))
                // refunds are written transactionally; only committed ones may be applied
                .setProperty("isolation.level", "read_committed")
                .setDeserializer(new RawRecordDeserializer())
                .build();
        return env.fromSource(source, WatermarkStrategy.noWatermarks(), "kafka: " + topic).uid(uid);
    }

    /** PostgreSQL, Redis (results and usage), the results topic, refunds and the DLQ. */
    public void attachSinks(InferenceJob.Outputs outputs) {
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

        outputs.results().sinkTo(redisSink(new ResultDocumentWrites(conf.get(JobOptions.REDIS_RESULT_TTL).toSeconds())))
                .name("redis: result documents").uid("redis-sink");
        outputs.usage().sinkTo(redisSink(new UsageMirrorWrites(conf.get(JobOptions.REDIS_USAGE_TTL).toSeconds())))
                .name("redis: usage mirror").uid("redis-usage-sink");

        outputs.results().sinkTo(exactlyOnceKafkaSink("results", new ResultRecordSerializer(conf.get(JobOptions.RESULTS_TOPIC))))
                .name("kafka: " + conf.get(JobOptions.RESULTS_TOPIC)).uid("results-sink");
        outputs.refunds().sinkTo(exactlyOnceKafkaSink("refunds",
                        new QuotaUpdateSerializer(conf.get(JobOptions.QUOTA_UPDATES_TOPIC))))
                .name("kafka: " + conf.get(JobOptions.QUOTA_UPDATES_TOPIC) + " (refunds)").uid("refunds-sink");

        outputs.deadLetters().sinkTo(KafkaSink.<DeadLetter>builder()
                        .setBootstrapServers(conf.get(JobOptions.KAFKA_BOOTSTRAP_SERVERS))
                        .setRecordSerializer(new DeadLetterSerializer(conf.get(JobOptions.DLQ_TOPIC)))
                        .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                        .setProperty("max.request.size", Integer.toString(conf.get(JobOptions.KAFKA_MAX_RECORD_BYTES)))
                        .build())
                .name("kafka: " + conf.get(JobOptions.DLQ_TOPIC)).uid("dlq-sink");
    }

    private <T> RedisSink<T> redisSink(RedisWriteMapper<T> mapper) {
        return RedisSink.<T>builder().setRedisUri(conf.get(JobOptions.REDIS_URL)).setWriteMapper(mapper).build();
    }

    /**
     * Exactly-once: records become visible to read_committed consumers when the checkpoint that
     * covers them completes, so a replay after a failure never shows a record twice.
     */
    private <T> KafkaSink<T> exactlyOnceKafkaSink(String name, KafkaRecordSerializationSchema<T> serializer) {
        return KafkaSink.<T>builder()
                .setBootstrapServers(conf.get(JobOptions.KAFKA_BOOTSTRAP_SERVERS))
                .setRecordSerializer(serializer)
                .setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                .setTransactionalIdPrefix(conf.get(JobOptions.TRANSACTIONAL_ID_PREFIX) + "-" + name)
                .setProperty("transaction.timeout.ms", Long.toString(conf.get(JobOptions.TRANSACTION_TIMEOUT).toMillis()))
                .setProperty("max.request.size", Integer.toString(conf.get(JobOptions.KAFKA_MAX_RECORD_BYTES)))
                .build();
    }
}
