package dev.streaminfer.contract.model;

import java.util.Locale;
import java.util.Optional;

/**
 * How urgently a request should be computed; higher priorities leave a batch buffer first.
 * Declared from least to most urgent: the batcher orders by declaration. New levels go at the
 * end only if they are the most urgent (Flink's enum serializer keeps ordinals of checkpointed
 * values stable when values are appended).
 */
public enum Priority {
    LOW,
    NORMAL,
    HIGH,
    CRITICAL;

    /** Every wire name, least urgent first, for error messages: {@code low, normal, high, critical}. */
    public static final String WIRE_NAMES = String.join(", ",
            java.util.Arrays.stream(values()).map(Priority::wireName).toList());

    /** The lower-case name used in JSON and SQL. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Priority> fromWireName(String name) {
        for (Priority p : values()) {
            if (p.wireName().equals(name)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
