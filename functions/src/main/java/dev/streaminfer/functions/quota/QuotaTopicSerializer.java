package dev.streaminfer.functions.quota;

import dev.streaminfer.contract.quota.QuotaUpdate;
import dev.streaminfer.contract.quota.QuotaUpdateCodec;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes quota updates where {@link QuotaUpdateCodec} says: refunds (what the job writes) to the
 * refunds topic, plan changes to the compacted plans topic, keyed by user and encoded by the codec.
 *
 * <p>The record timestamp is left to the producer, i.e. the time of writing: the refunds topic's
 * time retention then counts from when a refund was written (not from its request, which a
 * backlog can make days old), and the refunds partitions' watermarks follow the write time.
 */
public class QuotaTopicSerializer implements KafkaRecordSerializationSchema<QuotaUpdate> {

    private static final long serialVersionUID = 1L;

    private final String plansTopic;
    private final String refundsTopic;

    /** @throws IllegalArgumentException if the two topics are the same */
    public QuotaTopicSerializer(String plansTopic, String refundsTopic) {
        this.plansTopic = Objects.requireNonNull(plansTopic, "plansTopic");
        this.refundsTopic = Objects.requireNonNull(refundsTopic, "refundsTopic");
        QuotaUpdateCodec.requireSeparateTopics(plansTopic, refundsTopic);
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(QuotaUpdate update, KafkaSinkContext context, Long timestamp) {
        return new ProducerRecord<>(QuotaUpdateCodec.topic(update, plansTopic, refundsTopic), null, null,
                QuotaUpdateCodec.kafkaKey(update).getBytes(StandardCharsets.UTF_8), QuotaUpdateCodec.encode(update));
    }
}
