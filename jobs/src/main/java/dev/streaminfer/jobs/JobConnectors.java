package dev.streaminfer.jobs;

import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.functions.connector.redis.RedisSink;
import dev.streaminfer.functions.connector.redis.RedisWriteMapper;
import dev.streaminfer.functions.model.DeadLetter;
import dev.streaminfer.functions.model.RawRecord;
import dev.streaminfer.contract.quota.QuotaUpdate;
import dev.streaminfer.functions.quota.QuotaTopicSerializer;
import dev.streaminfer.functions.quota.UsageMirrorWrites;
import dev.streaminfer.functions.sink.CloseQuietlySink;
import dev.streaminfer.functions.sink.jdbc.ResultRows;
import dev.streaminfer.functions.sink.kafka.DeadLetterSerializer;
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
import java.time.Duration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * Every source and sink of the job, built from the job's options in one place.
 *
 * <p>The three Kafka sources carry event time, the Kafka record timestamp, with per-partition
 * watermarks ({@link #watermarks}). Only the quota operator uses them: it expires an idle user's
 * state once the watermark, the time no input is behind, has passed the state's expiry.
 */
public final class JobConnectors {

    /**
     * How long a source partition may deliver nothing before its watermark stops counting. The
     * quota topics are idle most of the time and a quiet requests partition is common; without
     * idleness either would hold the watermark, and with it idle users' state expiry, back for ever.
     * Ten minutes, on both sides of the trade-off:
     * <ul>
     * <li>what it costs: expiry waits for the watermark, so a quiet partition delays it by at most
     *     this, the same as the quota function's cleanup check interval; expiry works in UTC days.
     * <li>what it guards: a partition that stalls (a broker restart, an unavailable leader) is
     *     left out after this long, and the watermark moves on with the others. That can expire a
     *     ledger too early only if the stalled partition was also lagging a whole day behind; ten
     *     minutes outlasts the usual leader election or rolling broker restart.
     * </ul>
     * Flink measures it on the input activity clock, which stops while the source is back-pressured,
     * so a partition with a backlog is not taken for idle. A partition that becomes active again
     * holds the watermark from then on (which never moves backwards).
     */
    static final Duration SOURCE_IDLENESS = Duration.ofMinutes(10);

    private final ReadableConfig conf;

    /** @throws IllegalArgumentException naming the options, if refunds would share the compacted plans topic */
    public JobConnectors(ReadableConfig conf) {
        this.conf = conf;
        if (conf.get(JobOptions.QUOTA_UPDATES_TOPIC).equals(conf.get(JobOptions.QUOTA_REFUNDS_TOPIC))) {
            throw new IllegalArgumentException(JobOptions.QUOTA_REFUNDS_TOPIC.key() + " and "
                    + JobOptions.QUOTA_UPDATES_TOPIC.key() + " are both " + conf.get(JobOptions.QUOTA_UPDATES_TOPIC)
                    + ": refunds need their own topic with time retention; keyed by user on the compacted"
                    + " plans topic, compaction would let a refund replace the user's plan");
        }
    }

    public DataStream<RawRecord> requests(StreamExecutionEnvironment env) {
        return topic(env, conf.get(JobOptions.REQUESTS_TOPIC), "requests-source");
    }

    /** Plan changes, from the compacted {@code quota-updates}. */
    public DataStream<RawRecord> quotaUpdates(StreamExecutionEnvironment env) {
        return topic(env, conf.get(JobOptions.QUOTA_UPDATES_TOPIC), "quota-updates-source");
    }

    /** The job's own refunds, read back from {@code quota-refunds}. */
    public DataStream<RawRecord> refunds(StreamExecutionEnvironment env) {
        return topic(env, conf.get(JobOptions.QUOTA_REFUNDS_TOPIC), "quota-refunds-source");
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
        return env.fromSource(source, watermarks(conf.get(JobOptions.MAX_CLOCK_SKEW)), "kafka: " + topic).uid(uid);
    }

    /**
     * Event time = the Kafka record timestamp; per partition, the watermark trails the newest
     * timestamp read by {@code maxClockSkew} (records from producers whose clocks differ by up to
     * that much interleave in one partition; the decoder lets {@code submitted_at} differ from the
     * record timestamp by as much), and a partition silent for {@link #SOURCE_IDLENESS} stops
     * holding it back. A source's watermark is the minimum over its partitions that are not idle.
     */
    static WatermarkStrategy<RawRecord> watermarks(Duration maxClockSkew) {
        return WatermarkStrategy.<RawRecord>forBoundedOutOfOrderness(maxClockSkew)
                .withTimestampAssigner((record, kafkaTimestamp) -> record.timestamp())
                .withIdleness(SOURCE_IDLENESS);
    }

    /** Refunds to {@code quota-refunds} (and, were it given one, a plan change to {@code quota-updates}). */
    KafkaRecordSerializationSchema<QuotaUpdate> refundsSerializer() {
        return new QuotaTopicSerializer(conf.get(JobOptions.QUOTA_UPDATES_TOPIC), conf.get(JobOptions.QUOTA_REFUNDS_TOPIC));
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
        outputs.refunds().sinkTo(exactlyOnceKafkaSink("refunds", refundsSerializer()))
                .name("kafka: " + conf.get(JobOptions.QUOTA_REFUNDS_TOPIC)).uid("refunds-sink");

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
