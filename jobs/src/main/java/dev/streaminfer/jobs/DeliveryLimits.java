package dev.streaminfer.jobs;

import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.contract.registry.ModelSpec;
import dev.streaminfer.contract.validation.RequestLimits;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rules the job checks before it starts, so a configuration that would lose or loop on data fails
 * at once with a message naming the options, instead of in production.
 */
public final class DeliveryLimits {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryLimits.class);

    /** The broker default of {@code transaction.max.timeout.ms}. */
    public static final Duration BROKER_MAX_TRANSACTION_TIMEOUT = Duration.ofMinutes(15);

    /** Bytes one float takes at most in a JSON result document ({@code -1.23456789E-10,}). */
    static final int MAX_JSON_BYTES_PER_FLOAT = 16;
    /** Room for everything in a result document but its vectors (ids, usage, times, error, traceparent). */
    static final int RESULT_ENVELOPE_BYTES = 16 * 1024;

    private DeliveryLimits() {}

    /**
     * A transaction open when a checkpoint starts is committed when it completes, or after a
     * failure by the restarted job. If the broker aborts it first (its timeout passed), the
     * connector drops it and the results and refunds in it are lost; so the timeout must outlast
     * a full checkpoint cycle plus the longest restart back-off.
     *
     * @throws IllegalArgumentException naming the options, if the rule does not hold
     */
    public static void checkTransactionTimeout(Duration transactionTimeout, Duration checkpointInterval,
                                               Duration checkpointTimeout, Duration maxRestartBackoff) {
        Duration needed = checkpointInterval.plus(checkpointTimeout).plus(maxRestartBackoff);
        if (transactionTimeout.compareTo(needed) <= 0) {
            throw new IllegalArgumentException(JobOptions.TRANSACTION_TIMEOUT.key() + " (" + transactionTimeout
                    + ") must exceed " + JobOptions.CHECKPOINT_INTERVAL.key() + " + " + JobOptions.CHECKPOINT_TIMEOUT.key()
                    + " + the restart strategy's max back-off (" + checkpointInterval + " + " + checkpointTimeout
                    + " + " + maxRestartBackoff + " = " + needed + "): the broker would abort transactions the job"
                    + " still has to commit, and their results and refunds would be lost");
        }
        if (transactionTimeout.compareTo(BROKER_MAX_TRANSACTION_TIMEOUT) > 0) {
            throw new IllegalArgumentException(JobOptions.TRANSACTION_TIMEOUT.key() + " (" + transactionTimeout
                    + ") exceeds the broker default transaction.max.timeout.ms (" + BROKER_MAX_TRANSACTION_TIMEOUT
                    + "); raise that on the brokers first, then this check");
        }
    }

    /** The largest result document a request within {@link RequestLimits} can produce with these models. */
    public static long largestResultBytes(ModelRegistry registry) {
        int widest = registry.all().stream().mapToInt(ModelSpec::dimensions).max().orElse(0);
        return (long) RequestLimits.MAX_INPUTS * widest * MAX_JSON_BYTES_PER_FLOAT + RESULT_ENVELOPE_BYTES;
    }

    /**
     * @throws IllegalArgumentException if the largest result the API can cause does not fit in one
     *     Kafka record of {@code maxRecordBytes}
     */
    public static void checkRecordSize(ModelRegistry registry, int maxRecordBytes) {
        long largest = largestResultBytes(registry);
        if (largest > maxRecordBytes) {
            throw new IllegalArgumentException("the largest result (" + RequestLimits.MAX_INPUTS + " inputs x "
                    + registry.all().stream().mapToInt(ModelSpec::dimensions).max().orElse(0) + " dimensions, up to "
                    + largest + " bytes) does not fit " + JobOptions.KAFKA_MAX_RECORD_BYTES.key() + " = "
                    + maxRecordBytes + "; raise it (and the topics' max.message.bytes)");
        }
    }

    /**
     * Each topic must accept a record of {@code maxRecordBytes}: a result larger than its
     * {@code max.message.bytes} would fail the exactly-once sink on every replay, a restart loop.
     * Topics that do not exist yet, or a broker that does not answer within {@code timeout}, are
     * not checked here (the job's own start then reports the broker).
     *
     * @throws IllegalArgumentException naming the topic and its limit
     */
    public static void checkTopicLimits(String bootstrapServers, Collection<String> topics, int maxRecordBytes,
                                        Duration timeout) {
        Map<String, Object> props = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        Map<ConfigResource, Config> configs = new HashMap<>();
        try (Admin admin = Admin.create(props)) {
            Map<ConfigResource, KafkaFuture<Config>> described = admin.describeConfigs(topics.stream()
                    .map(t -> new ConfigResource(ConfigResource.Type.TOPIC, t)).toList()).values();
            for (Map.Entry<ConfigResource, KafkaFuture<Config>> entry : described.entrySet()) {
                try {
                    configs.put(entry.getKey(), entry.getValue().get(timeout.toMillis(), TimeUnit.MILLISECONDS));
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                        throw e;
                    }
                }
            }
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("event=topic_limits_not_checked reason=\"{}\"", String.valueOf(e.getCause() != null ? e.getCause() : e));
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        for (Map.Entry<ConfigResource, Config> entry : configs.entrySet()) {
            ConfigEntry limit = entry.getValue().get("max.message.bytes");
            if (limit != null && Long.parseLong(limit.value()) < maxRecordBytes) {
                throw new IllegalArgumentException("topic " + entry.getKey().name() + " accepts records up to "
                        + limit.value() + " bytes (max.message.bytes) but the job may write " + maxRecordBytes
                        + " (" + JobOptions.KAFKA_MAX_RECORD_BYTES.key() + "): a large result would fail the sink on"
                        + " every replay. Raise the topic's max.message.bytes (kafka-configs --alter --entity-type"
                        + " topics --entity-name " + entry.getKey().name() + " --add-config max.message.bytes="
                        + maxRecordBytes + ") or lower the option");
            }
        }
    }
}
