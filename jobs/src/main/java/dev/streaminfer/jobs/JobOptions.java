package dev.streaminfer.jobs;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;

/**
 * Every setting of the job: a typed option with its default and description, in one place. Set
 * them in Flink's {@code config.yaml}, as {@code --key value} arguments, or (for the service
 * endpoints) through the environment variables named in {@link #ENVIRONMENT}.
 */
public final class JobOptions {

    public static final ConfigOption<String> KAFKA_BOOTSTRAP_SERVERS =
            ConfigOptions.key("streaminfer.kafka.bootstrap-servers").stringType()
                    .defaultValue("localhost:19092")
                    .withDescription("Kafka bootstrap servers (env KAFKA_BOOTSTRAP_SERVERS).");
    public static final ConfigOption<String> KAFKA_GROUP_ID =
            ConfigOptions.key("streaminfer.kafka.group-id").stringType()
                    .defaultValue("streaminfer-job")
                    .withDescription("Consumer group of the request source (offsets are also in checkpoints).");
    public static final ConfigOption<String> REQUESTS_TOPIC =
            ConfigOptions.key("streaminfer.topics.requests").stringType()
                    .defaultValue("inference-requests").withDescription("Topic the requests are read from.");
    public static final ConfigOption<String> RESULTS_TOPIC =
            ConfigOptions.key("streaminfer.topics.results").stringType()
                    .defaultValue("inference-results").withDescription("Topic result documents are written to.");
    public static final ConfigOption<String> DLQ_TOPIC =
            ConfigOptions.key("streaminfer.topics.dlq").stringType()
                    .defaultValue("inference-dlq").withDescription("Topic for records the job cannot accept.");
    public static final ConfigOption<String> TRANSACTIONAL_ID_PREFIX =
            ConfigOptions.key("streaminfer.kafka.transactional-id-prefix").stringType()
                    .defaultValue("streaminfer-results")
                    .withDescription("Prefix of the exactly-once producers' transactional ids (results, refunds); unique per job.");
    public static final ConfigOption<Duration> TRANSACTION_TIMEOUT =
            ConfigOptions.key("streaminfer.kafka.transaction-timeout").durationType()
                    .defaultValue(Duration.ofMinutes(10))
                    .withDescription("Kafka transaction timeout of the exactly-once sinks. Checked at start: it must"
                            + " exceed checkpoint interval + checkpoint timeout + the restart strategy's longest"
                            + " back-off (else the broker may abort a transaction Flink still means to commit),"
                            + " and stay at or below the broker's transaction.max.timeout.ms (15 min by default).");
    public static final ConfigOption<Integer> KAFKA_MAX_RECORD_BYTES =
            ConfigOptions.key("streaminfer.kafka.max-record-bytes").intType()
                    .defaultValue(8 * 1024 * 1024)
                    .withDescription("Largest record the job writes (producer max.request.size). Checked at start"
                            + " against the largest result the API can cause (256 inputs x the widest model);"
                            + " the results and DLQ topics need max.message.bytes at least this large.");
    public static final ConfigOption<Duration> RECORD_LIMIT_REFRESH =
            ConfigOptions.key("streaminfer.kafka.record-limit-refresh").durationType()
                    .defaultValue(Duration.ofSeconds(30))
                    .withDescription("How often the job re-reads the results topic's max.message.bytes. A result"
                            + " larger than it (or than max-record-bytes) ends failed (result_too_large), refunded,"
                            + " and goes to the DLQ instead of failing the sink on every replay; 0 s: only"
                            + " max-record-bytes counts.");

    public static final ConfigOption<String> POSTGRES_URL =
            ConfigOptions.key("streaminfer.postgres.url").stringType()
                    .defaultValue("jdbc:postgresql://localhost:15432/inference")
                    .withDescription("JDBC URL of PostgreSQL (env POSTGRES_URL).");
    public static final ConfigOption<String> POSTGRES_USER =
            ConfigOptions.key("streaminfer.postgres.user").stringType()
                    .defaultValue("inference").withDescription("PostgreSQL user (env POSTGRES_USER).");
    public static final ConfigOption<String> POSTGRES_PASSWORD =
            ConfigOptions.key("streaminfer.postgres.password").stringType()
                    .defaultValue("inference").withDescription("PostgreSQL password (env POSTGRES_PASSWORD).");
    public static final ConfigOption<Boolean> POSTGRES_STORE_EMBEDDINGS =
            ConfigOptions.key("streaminfer.postgres.store-embeddings").booleanType()
                    .defaultValue(false)
                    .withDescription("Also store embeddings in inference_results (they dominate the row size).");
    public static final ConfigOption<Integer> POSTGRES_BATCH_SIZE =
            ConfigOptions.key("streaminfer.postgres.batch-size").intType()
                    .defaultValue(500).withDescription("Rows per JDBC batch.");
    public static final ConfigOption<Duration> POSTGRES_BATCH_INTERVAL =
            ConfigOptions.key("streaminfer.postgres.batch-interval").durationType()
                    .defaultValue(Duration.ofMillis(200)).withDescription("Longest a row waits for its batch.");
    public static final ConfigOption<Integer> POSTGRES_MAX_RETRIES =
            ConfigOptions.key("streaminfer.postgres.max-retries").intType()
                    .defaultValue(5).withDescription("Retries of a failed JDBC batch before the task fails over.");

    public static final ConfigOption<String> REDIS_URL =
            ConfigOptions.key("streaminfer.redis.url").stringType()
                    .defaultValue("redis://localhost:16379").withDescription("Redis URI (env REDIS_URL).");
    public static final ConfigOption<Duration> REDIS_RESULT_TTL =
            ConfigOptions.key("streaminfer.redis.result-ttl").durationType()
                    .defaultValue(Duration.ofHours(24)).withDescription("How long result documents stay in Redis.");

    public static final ConfigOption<String> QUOTA_UPDATES_TOPIC =
            ConfigOptions.key("streaminfer.topics.quota-updates").stringType()
                    .defaultValue("quota-updates")
                    .withDescription("Compacted topic of plan changes from the admin API, keyed by user (compaction"
                            + " keeps each user's latest plan).");
    public static final ConfigOption<String> QUOTA_REFUNDS_TOPIC =
            ConfigOptions.key("streaminfer.topics.quota-refunds").stringType()
                    .defaultValue("quota-refunds")
                    .withDescription("Topic of the refunds the job writes (exactly-once, keyed by user) and reads back"
                            + " into the quota state. Time retention (cleanup.policy=delete), never compacted, and"
                            + " never the quota-updates topic: keyed by user, compaction would let a refund replace"
                            + " the user's plan.");
    public static final ConfigOption<String> QUOTA_DEFAULT_PLAN =
            ConfigOptions.key("streaminfer.quota.default-plan").stringType()
                    .defaultValue("free")
                    .withDescription("Built-in plan (free, pro, unlimited) of users without an override.");
    public static final ConfigOption<Duration> REDIS_USAGE_TTL =
            ConfigOptions.key("streaminfer.redis.usage-ttl").durationType()
                    .defaultValue(Duration.ofDays(2))
                    .withDescription("How long a user's usage mirror stays in Redis after its last change.");

    public static final ConfigOption<Duration> CHECKPOINT_INTERVAL =
            ConfigOptions.key("streaminfer.checkpoint-interval").durationType()
                    .defaultValue(Duration.ofSeconds(5))
                    .withDescription("Checkpoint interval; results reach the Kafka topic (exactly-once) at this pace.");

    public static final ConfigOption<Duration> CHECKPOINT_TIMEOUT =
            ConfigOptions.key("streaminfer.checkpoint-timeout").durationType()
                    .defaultValue(Duration.ofMinutes(2))
                    .withDescription("A checkpoint not complete after this long is declared failed.");
    public static final ConfigOption<Duration> MAX_CLOCK_SKEW =
            ConfigOptions.key("streaminfer.decode.max-clock-skew").durationType()
                    .defaultValue(Duration.ofMinutes(5))
                    .withDescription("A request whose submitted_at is further than this from its Kafka record's"
                            + " timestamp goes to the DLQ (submitted_at_out_of_range): quota decisions run on"
                            + " submitted_at, so a producer's clock is not taken on trust. Also the Kafka sources'"
                            + " bounded out-of-orderness: their watermark (which idle users' quota state waits for"
                            + " before it expires) trails the newest record timestamp of every partition by this.");

    public static final List<ConfigOption<?>> ALL = List.of(
            KAFKA_BOOTSTRAP_SERVERS, KAFKA_GROUP_ID, REQUESTS_TOPIC, RESULTS_TOPIC, DLQ_TOPIC,
            TRANSACTIONAL_ID_PREFIX, TRANSACTION_TIMEOUT, KAFKA_MAX_RECORD_BYTES, RECORD_LIMIT_REFRESH,
            POSTGRES_URL, POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_STORE_EMBEDDINGS,
            POSTGRES_BATCH_SIZE, POSTGRES_BATCH_INTERVAL, POSTGRES_MAX_RETRIES,
            REDIS_URL, REDIS_RESULT_TTL,
            QUOTA_UPDATES_TOPIC, QUOTA_REFUNDS_TOPIC, QUOTA_DEFAULT_PLAN, REDIS_USAGE_TTL,
            CHECKPOINT_INTERVAL, CHECKPOINT_TIMEOUT, MAX_CLOCK_SKEW);

    /** Environment variables that override options, so every service can be swapped for an external one. */
    public static final Map<String, ConfigOption<String>> ENVIRONMENT = Map.of(
            "KAFKA_BOOTSTRAP_SERVERS", KAFKA_BOOTSTRAP_SERVERS,
            "POSTGRES_URL", POSTGRES_URL,
            "POSTGRES_USER", POSTGRES_USER,
            "POSTGRES_PASSWORD", POSTGRES_PASSWORD,
            "REDIS_URL", REDIS_URL);

    private JobOptions() {}

    /** Defaults, then {@code --key value} arguments, then the environment. */
    public static Configuration resolve(String[] args, Map<String, String> environment) {
        Map<String, String> values = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --key value, got: " + args[i]);
            }
            String key = args[i].substring(2);
            int eq = key.indexOf('=');
            if (eq >= 0) {
                values.put(key.substring(0, eq), key.substring(eq + 1));
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                values.put(key, args[++i]);
            } else {
                values.put(key, "true");
            }
        }
        Configuration conf = Configuration.fromMap(values);
        ENVIRONMENT.forEach((variable, option) -> {
            String value = environment.get(variable);
            if (value != null && !value.isBlank()) {
                conf.set(option, value);
            }
        });
        return conf;
    }
}
