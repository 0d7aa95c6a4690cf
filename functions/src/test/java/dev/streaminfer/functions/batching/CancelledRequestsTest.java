package dev.streaminfer.functions.batching;

import static dev.streaminfer.functions.batching.Requests.T0;
import static dev.streaminfer.functions.batching.Requests.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.contract.model.CancelMarker;
import java.util.List;
import org.junit.jupiter.api.Test;

class CancelledRequestsTest {

    private static final long MEMORY = 1_000;

    private final CancelledRequests cancels = new CancelledRequests(MEMORY);

    @Test
    void aRememberedCancelTakesItsRequestOnce() {
        cancels.remember(new CancelMarker("r1", "alice", T0), T0);

        assertThat(cancels.take(request("r2").build(), T0 + 1)).isFalse();
        assertThat(cancels.take(request("r1").build(), T0 + 1)).isTrue();
        assertThat(cancels.take(request("r1").build(), T0 + 2)).as("taken").isFalse();
        assertThat(cancels.size()).isZero();
    }

    @Test
    void aCancelNamesOnlyItsOwnUsersRequest() {
        cancels.remember(new CancelMarker("r1", "mallory", T0), T0);

        assertThat(cancels.take(request("r1").user("alice").build(), T0 + 1)).isFalse();
        assertThat(cancels.size()).as("still remembered for mallory's r1, should it come").isEqualTo(1);
    }

    @Test
    void cancelsAreForgottenAfterTheMemory() {
        cancels.remember(new CancelMarker("old", "alice", T0), T0);
        cancels.remember(new CancelMarker("new", "alice", T0), T0 + 600);

        assertThat(cancels.take(request("old").build(), T0 + MEMORY)).isFalse();
        assertThat(cancels.size()).isEqualTo(1);
        assertThat(cancels.take(request("new").build(), T0 + MEMORY)).isTrue();
    }

    @Test
    void aRestoreMergesEverySubtasksSnapshotKeepingTheLaterTime() {
        CancelledRequests a = new CancelledRequests(MEMORY);
        a.remember(new CancelMarker("r1", "alice", T0), T0);
        CancelledRequests b = new CancelledRequests(MEMORY);
        b.remember(new CancelMarker("r1", "alice", T0), T0 + 500);
        b.remember(new CancelMarker("r2", "alice", T0), T0 + 100);

        CancelledRequests restored = new CancelledRequests(MEMORY);
        restored.restore(a.remembered());
        restored.restore(b.remembered());

        assertThat(restored.remembered()).containsExactly(
                new CancelledRequests.Remembered(new CancelMarker("r2", "alice", T0), T0 + 100 + MEMORY),
                new CancelledRequests.Remembered(new CancelMarker("r1", "alice", T0), T0 + 500 + MEMORY));
        assertThat(restored.take(request("r2").build(), T0 + 1_200)).as("forgotten at T0 + 1100").isFalse();
        assertThat(restored.take(request("r1").build(), T0 + 1_200)).isTrue();
        assertThat(restored.remembered()).isEqualTo(List.of());
    }
}
