package dev.streaminfer.functions.source;

import dev.streaminfer.functions.model.RawRecord;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Keeps each Kafka record whole; decoding happens downstream so that failures can be routed.
 * Cancel markers the API writes beside the requests (header {@value #TYPE_HEADER}) are skipped
 * here: cancellation takes effect through the Redis marker the batcher checks before computing.
 */
public class RawRecordDeserializer implements KafkaRecordDeserializationSchema<RawRecord> {

    public static final String TRACEPARENT = "traceparent";
    public static final String TYPE_HEADER = "streaminfer-type";
    public static final String TYPE_CANCEL = "cancel";

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RawRecord> out) {
        Header type = record.headers().lastHeader(TYPE_HEADER);
        if (type != null && TYPE_CANCEL.equals(new String(type.value(), StandardCharsets.UTF_8))) {
            return;
        }
        Header traceparent = record.headers().lastHeader(TRACEPARENT);
        out.collect(new RawRecord(record.key(), record.value(), record.topic(), record.partition(),
                record.offset(), record.timestamp(),
                traceparent == null ? null : new String(traceparent.value(), StandardCharsets.UTF_8)));
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return TypeInformation.of(RawRecord.class);
    }
}
