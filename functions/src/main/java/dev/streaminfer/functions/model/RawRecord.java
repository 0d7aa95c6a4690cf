package dev.streaminfer.functions.model;

/**
 * A Kafka record as read, before decoding: kept whole so that an undecodable record can be sent
 * to the dead-letter topic unchanged, with its source coordinates.
 */
public record RawRecord(
        byte[] key, byte[] value, String topic, int partition, long offset, long timestamp,
        String traceparent) {}
