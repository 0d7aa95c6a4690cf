package dev.streaminfer.sqlprovider;

import static dev.streaminfer.functions.inference.SharedExecutors.Occupancy.ALL_BUSY;
import static dev.streaminfer.functions.inference.SharedExecutors.Occupancy.IDLE;
import static dev.streaminfer.functions.inference.SharedExecutors.Occupancy.SOME_FREE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.functions.batching.BatchLimits;
import java.util.List;
import org.junit.jupiter.api.Test;

class PendingRowsTest {

    private static final long T0 = 1_000_000L;
    private static final int TEN_TOKENS = 10;

    private static PendingRows<String> rows(int maxTexts, int maxTokens, long maxWaitMs) {
        return new PendingRows<>(new BatchLimits(maxTexts, maxTokens, maxWaitMs));
    }

    @Test
    void aRowLeavesAloneAtOnceWhenEveryThreadIsIdle() {
        PendingRows<String> rows = rows(32, 8192, 20);
        rows.add("a", TEN_TOKENS, T0);

        assertThat(rows.drain(T0, IDLE)).containsExactly(List.of("a"));
        assertThat(rows.size()).isZero();
        assertThat(rows.flushTime()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void rowsWaitWhileEveryThreadIsBusyAndLeaveInArrivalOrderOnceTheTextLimitIsReached() {
        PendingRows<String> rows = rows(3, 8192, 20);
        rows.add("a", TEN_TOKENS, T0);
        rows.add("b", TEN_TOKENS, T0);
        assertThat(rows.drain(T0, ALL_BUSY)).isEmpty();

        rows.add("c", TEN_TOKENS, T0 + 1);
        rows.add("d", TEN_TOKENS, T0 + 1);

        assertThat(rows.drain(T0 + 1, ALL_BUSY)).containsExactly(List.of("a", "b", "c"));
        assertThat(rows.size()).isEqualTo(1);
        assertThat(rows.flushTime()).isEqualTo(T0 + 1 + 20);
    }

    @Test
    void aBatchStopsBeforeTheRowThatWouldCrossTheTokenLimit() {
        PendingRows<String> rows = rows(32, 25, 20);
        rows.add("a", TEN_TOKENS, T0);
        rows.add("b", TEN_TOKENS, T0);
        rows.add("c", TEN_TOKENS, T0);

        assertThat(rows.drain(T0, ALL_BUSY)).containsExactly(List.of("a", "b"));
        assertThat(rows.size()).isEqualTo(1);
    }

    @Test
    void aRowLongerThanTheTokenLimitStillLeavesAsABatchOfItsOwn() {
        PendingRows<String> rows = rows(32, 25, 20);
        rows.add("long", 300, T0);

        assertThat(rows.drain(T0, IDLE)).containsExactly(List.of("long"));
    }

    @Test
    void whenTheOldestRowHasWaitedMaxWaitEverythingLeavesEvenWithEveryThreadBusy() {
        PendingRows<String> rows = rows(2, 8192, 20);
        rows.add("a", TEN_TOKENS, T0);
        rows.add("b", TEN_TOKENS, T0 + 5);
        rows.add("c", TEN_TOKENS, T0 + 10);
        // full: one batch of two leaves, the third waits
        assertThat(rows.drain(T0 + 10, ALL_BUSY)).containsExactly(List.of("a", "b"));
        assertThat(rows.drain(T0 + 29, ALL_BUSY)).isEmpty();

        assertThat(rows.drain(T0 + 30, ALL_BUSY)).containsExactly(List.of("c"));
    }

    @Test
    void withSomeThreadsAtWorkATinyBufferWaitsForMoreAndAFairOneTakesTheFreeThread() {
        PendingRows<String> rows = rows(8, 8192, 20); // tiny: under 2 rows
        rows.add("a", TEN_TOKENS, T0);
        assertThat(rows.drain(T0, SOME_FREE)).isEmpty();

        rows.add("b", TEN_TOKENS, T0 + 1);
        assertThat(rows.drain(T0 + 1, SOME_FREE)).containsExactly(List.of("a", "b"));
    }

    @Test
    void fullBatchesLeaveAndTheRemainderWaitsForTheNextFreeThread() {
        PendingRows<String> rows = rows(2, 8192, 20);
        rows.add("a", TEN_TOKENS, T0);
        rows.add("b", TEN_TOKENS, T0);
        rows.add("c", TEN_TOKENS, T0);
        rows.add("d", TEN_TOKENS, T0);
        rows.add("e", TEN_TOKENS, T0);

        // the first batch takes the free thread, the second leaves full (to queue); the rest waits
        assertThat(rows.drain(T0, IDLE)).containsExactly(List.of("a", "b"), List.of("c", "d"));
        assertThat(rows.size()).isEqualTo(1);
        assertThat(rows.drain(T0 + 1, IDLE)).containsExactly(List.of("e"));
    }

    @Test
    void oneRowPerCallLeavesEveryRowAloneAtOnceWhateverTheThreadsDo() {
        PendingRows<String> rows = rows(1, 8192, 0);
        rows.add("a", TEN_TOKENS, T0);
        rows.add("b", TEN_TOKENS, T0);

        assertThat(rows.drain(T0, ALL_BUSY)).containsExactly(List.of("a"), List.of("b"));
    }
}
