package dev.streaminfer.api.auth;

import java.util.Locale;
import java.util.Optional;

/** What a key may do: {@code user} calls the inference routes, {@code admin} also the admin ones. */
public enum Role {
    USER,
    ADMIN;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Role> fromWireName(String name) {
        for (Role r : values()) {
            if (r.wireName().equals(name)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }
}
