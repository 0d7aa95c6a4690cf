package dev.streaminfer.api.kafka;

/**
 * Looks in {@code inference-requests} for one request record: how the API settles a write whose
 * outcome it never learnt (a timeout after the record was handed to the producer, or a claim whose
 * owner stopped answering), before it either answers that request's id or writes it itself. The
 * real one is {@link KafkaRequestLookup}; unit tests use the fake publisher, which remembers what
 * it "wrote". Both pass {@code RequestLookupContract}.
 */
public interface RequestLookup {

    /** What the topic says about one request id. */
    enum Presence {
        /** A request record (not a cancel record) with this id and user is in the topic. */
        FOUND,
        /** The part of the topic such a record could be in was read through: it is not there. */
        ABSENT,
        /** Kafka could not be read in time, or too much to read: ask again later. */
        UNKNOWN
    }

    /**
     * Whether the topic holds a request record of {@code userId} with {@code requestId}. The
     * caller bounds when the write was attempted, {@code [fromMillis, untilMillis]} (the producer
     * stamps a record when it is handed over): a record stamped in that window is found; the
     * window only limits how much is read. Never throws.
     */
    Presence find(String userId, String requestId, long fromMillis, long untilMillis);
}
