package dev.streaminfer.api.auth;

import java.util.Objects;

/** The authenticated owner of an API key. Holds no key material. */
public record Caller(String userId, Role role, String plan) {

    public Caller {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(plan, "plan");
    }

    public boolean isAdmin() {
        return role == Role.ADMIN;
    }
}
