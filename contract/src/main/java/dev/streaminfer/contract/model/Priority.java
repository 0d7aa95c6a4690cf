package dev.streaminfer.contract.model;

import java.util.Locale;
import java.util.Optional;

/** How urgently a request should be computed; higher priorities leave a batch buffer first. */
public enum Priority {
    LOW,
    NORMAL,
    HIGH;

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
