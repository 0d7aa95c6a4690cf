package dev.streaminfer.jobs;

import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.contract.registry.ModelSpec;
import dev.streaminfer.contract.validation.RequestLimits;
import dev.streaminfer.functions.sink.ResultRecordSize;
import dev.streaminfer.functions.sink.kafka.TopicLimits;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
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
        return ResultRecordSize.upperBound(RequestLimits.MAX_INPUTS, widest);
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
        Map<String, Long> limits;
        try (Admin admin = TopicLimits.admin(bootstrapServers, timeout)) {
            limits = TopicLimits.maxMessageBytes(admin, topics, timeout);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("event=topic_limits_not_checked reason=\"{}\"", String.valueOf(e.getCause() != null ? e.getCause() : e));
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        for (Map.Entry<String, Long> limit : limits.entrySet()) {
            if (limit.getValue() < maxRecordBytes) {
                throw new IllegalArgumentException("topic " + limit.getKey() + " accepts records up to "
                        + limit.getValue() + " bytes (max.message.bytes) but the job may write " + maxRecordBytes
                        + " (" + JobOptions.KAFKA_MAX_RECORD_BYTES.key() + "): a large result would fail the sink on"
                        + " every replay. Raise the topic's max.message.bytes (kafka-configs --alter --entity-type"
                        + " topics --entity-name " + limit.getKey() + " --add-config max.message.bytes="
                        + maxRecordBytes + ") or lower the option");
            }
        }
    }
}
