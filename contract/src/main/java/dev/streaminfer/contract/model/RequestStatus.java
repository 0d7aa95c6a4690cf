package dev.streaminfer.contract.model;

import java.util.Locale;
import java.util.Optional;

/** Where a request is in its life; every status but {@link #QUEUED} is final. */
public enum RequestStatus {
    QUEUED,
    COMPLETED,
    REJECTED,
    EXPIRED,
    FAILED,
    CANCELLED;

    public boolean isFinal() {
        return this != QUEUED;
    }

    /** The lower-case name used in JSON and SQL. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<RequestStatus> fromWireName(String name) {
        for (RequestStatus s : values()) {
            if (s.wireName().equals(name)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
