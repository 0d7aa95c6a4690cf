package dev.streaminfer.localstack;

import java.util.Map;
import java.util.Objects;

/**
 * A Kafka topic to create: name, partition count and topic-level configs. The replication
 * factor is left to the broker's default, so the same spec works on the single-node local
 * broker and on a real cluster.
 */
public record TopicSpec(String name, int partitions, Map<String, String> configs) {

    public TopicSpec {
        Objects.requireNonNull(name, "name");
        if (partitions < 1) {
            throw new IllegalArgumentException("partitions must be >= 1, got " + partitions + " for " + name);
        }
        configs = Map.copyOf(configs);
    }

    /** A topic with the delete cleanup policy (the broker default). */
    public static TopicSpec of(String name, int partitions) {
        return new TopicSpec(name, partitions, Map.of());
    }

    /** This topic accepting record batches up to {@code bytes} ({@code max.message.bytes}). */
    public TopicSpec withMaxMessageBytes(int bytes) {
        java.util.Map<String, String> more = new java.util.HashMap<>(configs);
        more.put("max.message.bytes", Integer.toString(bytes));
        return new TopicSpec(name, partitions, more);
    }

    /** A log-compacted topic: only the newest record per key is kept in the long run. */
    public static TopicSpec compacted(String name, int partitions) {
        return new TopicSpec(name, partitions, Map.of("cleanup.policy", "compact"));
    }
}
