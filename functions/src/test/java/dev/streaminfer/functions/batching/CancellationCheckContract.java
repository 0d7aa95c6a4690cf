package dev.streaminfer.functions.batching;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The cancellation check's contract, passed by the in-memory fake and by the Redis implementation. */
abstract class CancellationCheckContract {

    abstract CancellationCheck check();

    abstract void markCancelled(String requestId);

    @Test
    void findsExactlyTheCancelledRequestsOfABatch() throws Exception {
        String a = UUID.randomUUID().toString();
        String b = UUID.randomUUID().toString();
        String c = UUID.randomUUID().toString();
        markCancelled(b);
        try (CancellationCheck.Lookup lookup = check().open()) {
            assertThat(lookup.cancelled(List.of(a, b, c))).containsExactly(b);
            assertThat(lookup.cancelled(List.of())).isEmpty();
        }
    }
}
