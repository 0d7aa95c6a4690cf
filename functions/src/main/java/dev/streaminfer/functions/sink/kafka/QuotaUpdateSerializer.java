package dev.streaminfer.functions.sink.kafka;

import dev.streaminfer.contract.quota.QuotaUpdate;
import dev.streaminfer.contract.quota.QuotaUpdateCodec;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Quota updates (the job writes refunds) keyed as {@link QuotaUpdateCodec#kafkaKey} says. */
public class QuotaUpdateSerializer implements KafkaRecordSerializationSchema<QuotaUpdate> {

    private final String topic;

    public QuotaUpdateSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(QuotaUpdate update, KafkaSinkContext context, Long timestamp) {
        return new ProducerRecord<>(topic, null, timestamp,
                QuotaUpdateCodec.kafkaKey(update).getBytes(StandardCharsets.UTF_8), QuotaUpdateCodec.encode(update));
    }
}
