package dev.streaminfer.api.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class KeyspaceEventsTest {

    @Test
    void adds_keyspace_and_string_events_to_what_is_configured() {
        assertThat(KeyspaceEvents.mergeFlags("")).isEqualTo("K$");
        assertThat(KeyspaceEvents.mergeFlags("Ex")).isEqualTo("ExK$");
        assertThat(KeyspaceEvents.mergeFlags("KA")).isEqualTo("KA");
        assertThat(KeyspaceEvents.mergeFlags("K$")).isEqualTo("K$");
    }
}
