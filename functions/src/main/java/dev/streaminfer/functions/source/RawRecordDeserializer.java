package dev.streaminfer.functions.source;

import dev.streaminfer.contract.serde.CancelMarkerCodec;
import dev.streaminfer.functions.model.RawRecord;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/**
 * Keeps each Kafka record whole; decoding happens downstream so that failures can be routed.
 * Cancels the API writes beside the requests (header {@value CancelMarkerCodec#TYPE_HEADER}) are
 * marked as such: they go to the batcher, where they take effect.
 */
public class RawRecordDeserializer implements KafkaRecordDeserializationSchema<RawRecord> {

    public static final String TRACEPARENT = "traceparent";

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RawRecord> out) {
        Header type = record.headers().lastHeader(CancelMarkerCodec.TYPE_HEADER);
        boolean cancel = CancelMarkerCodec.isCancel(type == null ? null : type.value());
        Header traceparent = record.headers().lastHeader(TRACEPARENT);
        out.collect(new RawRecord(record.key(), record.value(), record.topic(), record.partition(),
                record.offset(), record.timestamp(),
                traceparent == null ? null : new String(traceparent.value(), StandardCharsets.UTF_8), cancel));
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return TypeInformation.of(RawRecord.class);
    }
}
