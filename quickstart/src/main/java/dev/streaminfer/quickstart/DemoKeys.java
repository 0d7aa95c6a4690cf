package dev.streaminfer.quickstart;

import java.util.List;

/** API keys seeded for local use only; a real deployment creates its own. */
record DemoKeys(String key, String userId, String role, String plan) {

    static final DemoKeys ALICE = new DemoKeys("demo-alice-key", "alice", "user", "free");
    static final DemoKeys BOB = new DemoKeys("demo-bob-key", "bob", "user", "pro");
    static final DemoKeys ADMIN = new DemoKeys("demo-admin-key", "admin", "admin", "unlimited");

    static final List<DemoKeys> ALL = List.of(ALICE, BOB, ADMIN);
}
