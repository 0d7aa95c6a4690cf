package dev.streaminfer.functions.model;

/**
 * A Kafka record as read, before decoding: kept whole so that an undecodable record can be sent
 * to the dead-letter topic unchanged, with its source coordinates. {@code cancel} marks a cancel
 * on the requests topic (its header says so), which decodes differently from a request.
 */
public record RawRecord(
        byte[] key, byte[] value, String topic, int partition, long offset, long timestamp,
        String traceparent, boolean cancel) {

    /** A record that is not a cancel. */
    public RawRecord(byte[] key, byte[] value, String topic, int partition, long offset, long timestamp,
                     String traceparent) {
        this(key, value, topic, partition, offset, timestamp, traceparent, false);
    }
}
