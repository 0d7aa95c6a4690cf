package dev.streaminfer.api.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streaminfer.contract.serde.CancelMarkerCodec;
import dev.streaminfer.contract.serde.Json;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link RequestLookup} over one shared consumer (no group, no commits), used only to settle
 * writes whose outcome is unknown, so it is rare and serialized. It reads the partition the
 * producer chose for the user id (the producer's own key hash over the current partition count),
 * from the first record stamped at or after {@code fromMillis}, until the request is found, the end
 * of the partition, or the first record stamped later than {@code untilMillis} plus
 * {@link #TIMESTAMP_SKEW} (records of other producers may carry somewhat later stamps than their
 * neighbours). Every read is bounded by {@code timeout}; running out of it answers
 * {@link Presence#UNKNOWN}, as does any Kafka error.
 *
 * <p>Assumptions, both true for the API's own writes: the partition count of the topic has not
 * changed since the write, and no producer stamps records more than {@link #TIMESTAMP_SKEW} ahead of
 * the others on the same partition.
 */
public final class KafkaRequestLookup implements RequestLookup, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaRequestLookup.class);

    /** How far past {@code untilMillis} record stamps are still read. */
    public static final Duration TIMESTAMP_SKEW = Duration.ofMinutes(1);
    private static final int MAX_RECORDS = 2_000_000;

    private final KafkaConsumer<byte[], byte[]> consumer; // guarded by lock
    private final ReentrantLock lock = new ReentrantLock();
    private final String topic;
    private final Duration timeout;

    public KafkaRequestLookup(String bootstrapServers, String topic, Duration timeout) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "streaminfer-ingest-api-lookup");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "2000");
        p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, String.valueOf(Math.max(1_000, timeout.toMillis())));
        p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, String.valueOf(Math.max(1_000, timeout.toMillis())));
        p.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, "1000");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        this.consumer = new KafkaConsumer<>(p);
        this.topic = topic;
        this.timeout = timeout;
    }

    @Override
    public Presence find(String userId, String requestId, long fromMillis, long untilMillis) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            if (!lock.tryLock(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return Presence.UNKNOWN;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Presence.UNKNOWN;
        }
        try {
            Presence presence = scan(userId, requestId, fromMillis, untilMillis, deadline);
            LOG.info("event=request_lookup request_id={} user_id={} presence={}", requestId, userId, presence);
            return presence;
        } catch (RuntimeException e) { // Kafka errors and timeouts alike
            LOG.warn("event=request_lookup_failed request_id={} user_id={} reason=\"{}\"", requestId, userId,
                    e.toString());
            return Presence.UNKNOWN;
        } finally {
            try {
                consumer.unsubscribe();
            } catch (RuntimeException ignored) {
                // the next lookup assigns afresh
            }
            lock.unlock();
        }
    }

    private Presence scan(String userId, String requestId, long fromMillis, long untilMillis, long deadline) {
        byte[] key = userId.getBytes(StandardCharsets.UTF_8);
        List<PartitionInfo> partitions = consumer.partitionsFor(topic, left(deadline));
        if (partitions == null || partitions.isEmpty()) {
            return Presence.UNKNOWN;
        }
        TopicPartition tp = new TopicPartition(topic, BuiltInPartitioner.partitionForKey(key, partitions.size()));
        consumer.assign(List.of(tp));
        long end = consumer.endOffsets(List.of(tp), left(deadline)).get(tp);
        OffsetAndTimestamp start = consumer.offsetsForTimes(Map.of(tp, Math.max(0, fromMillis)), left(deadline)).get(tp);
        if (start == null) {
            return Presence.ABSENT; // no record stamped at or after fromMillis
        }
        consumer.seek(tp, start.offset());
        byte[] needle = ("\"request_id\":\"" + requestId + "\"").getBytes(StandardCharsets.UTF_8);
        long stopAfter = untilMillis + TIMESTAMP_SKEW.toMillis();
        int read = 0;
        while (consumer.position(tp, left(deadline)) < end) {
            if (System.nanoTime() >= deadline) {
                return Presence.UNKNOWN;
            }
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(Math.min(200, left(deadline).toMillis())))) {
                if (r.offset() >= end || r.timestamp() > stopAfter) {
                    return Presence.ABSENT;
                }
                if (++read > MAX_RECORDS) {
                    return Presence.UNKNOWN;
                }
                if (!isCancel(r) && contains(r.value(), needle) && isRequest(r.value(), requestId, userId)) {
                    return Presence.FOUND;
                }
            }
        }
        return Presence.ABSENT;
    }

    private static Duration left(long deadline) {
        return Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime()));
    }

    private static boolean isCancel(ConsumerRecord<byte[], byte[]> r) {
        Header h = r.headers().lastHeader(CancelMarkerCodec.TYPE_HEADER);
        return CancelMarkerCodec.isCancel(h == null ? null : h.value());
    }

    private static boolean isRequest(byte[] value, String requestId, String userId) {
        try {
            JsonNode node = Json.mapper().readTree(value);
            return node != null && requestId.equals(node.path("request_id").asText(null))
                    && userId.equals(node.path("user_id").asText(null));
        } catch (Exception e) {
            return false;
        }
    }

    static boolean contains(byte[] haystack, byte[] needle) {
        if (haystack == null) {
            return false;
        }
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    @Override
    public void close() {
        lock.lock();
        try {
            consumer.close(Duration.ofSeconds(2));
        } finally {
            lock.unlock();
        }
    }
}
