package dev.streaminfer.functions.sink.kafka;

import dev.streaminfer.functions.model.DeadLetter;
import dev.streaminfer.functions.model.RawRecord;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Writes a dead letter with the original key and value untouched, and why and where from in
 * headers, so it can be inspected or replayed after a fix.
 */
public class DeadLetterSerializer implements KafkaRecordSerializationSchema<DeadLetter> {

    public static final String REASON = "dlq.reason";
    public static final String DETAIL = "dlq.detail";
    public static final String SOURCE_TOPIC = "dlq.source.topic";
    public static final String SOURCE_PARTITION = "dlq.source.partition";
    public static final String SOURCE_OFFSET = "dlq.source.offset";

    private final String topic;

    public DeadLetterSerializer(String topic) {
        this.topic = topic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(DeadLetter letter, KafkaSinkContext context, Long timestamp) {
        RawRecord source = letter.source();
        RecordHeaders headers = new RecordHeaders();
        headers.add(REASON, bytes(letter.reason()));
        headers.add(DETAIL, bytes(letter.detail()));
        headers.add(SOURCE_TOPIC, bytes(source.topic()));
        headers.add(SOURCE_PARTITION, bytes(Integer.toString(source.partition())));
        headers.add(SOURCE_OFFSET, bytes(Long.toString(source.offset())));
        return new ProducerRecord<>(topic, null, timestamp, source.key(), source.value(), headers);
    }

    private static byte[] bytes(String value) {
        return value == null ? new byte[0] : value.getBytes(StandardCharsets.UTF_8);
    }
}
