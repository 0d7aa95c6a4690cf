package dev.streaminfer.functions.sink.kafka;

import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.contract.serde.ResultDocumentCodec;
import dev.streaminfer.contract.telemetry.Tracing;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Result documents keyed by request id, so a compacted or replayed topic holds one per request. */
public class ResultRecordSerializer implements KafkaRecordSerializationSchema<InferenceResult> {

    private final String topic;

    public ResultRecordSerializer(String topic) {
        this.topic = topic;
    }

    public static final String SPAN = "kafka send inference-results";

    /** With tracing on, handing the record to the (transactional) producer is a span in the request's trace. */
    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            InferenceResult result, KafkaSinkContext context, Long timestamp) {
        return Tracing.sinkWrite(SPAN, "messaging.system", "kafka", result, () -> new ProducerRecord<>(topic, null,
                timestamp, result.requestId().getBytes(StandardCharsets.UTF_8), ResultDocumentCodec.encode(result)));
    }
}
