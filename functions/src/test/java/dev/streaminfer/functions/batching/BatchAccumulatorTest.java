package dev.streaminfer.functions.batching;

import static dev.streaminfer.functions.batching.Requests.T0;
import static dev.streaminfer.functions.batching.Requests.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.functions.inference.SharedExecutors.Occupancy;
import java.util.List;
import dev.streaminfer.contract.model.CancelMarker;
import org.junit.jupiter.api.Test;

class BatchAccumulatorTest {

    private final BatchAccumulator buffer = new BatchAccumulator(new BatchLimits(4, 100, 50));

    @Test
    void waitsWhileNoLimitIsReached() {
        buffer.add(request("a").texts(2).arrivedAt(T0));
        buffer.add(request("b").arrivedAt(T0 + 10));

        assertThat(buffer.isFull()).isFalse();
        assertThat(buffer.drain(T0 + 49).isEmpty()).isTrue();
        assertThat(buffer.flushTime()).isEqualTo(T0 + 50);
        assertThat(buffer.size()).isEqualTo(2);
    }

    @Test
    void closesAtTheTextLimit() {
        buffer.add(request("a").texts(3).arrivedAt(T0));
        buffer.add(request("b").texts(1).arrivedAt(T0));

        assertThat(buffer.isFull()).isTrue();
        assertThat(ids(buffer.drain(T0).batches())).containsExactly(List.of("a", "b"));
        assertThat(buffer.isEmpty()).isTrue();
        assertThat(buffer.flushTime()).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void closesAtTheTokenLimitAndKeepsWhatDoesNotFit() {
        buffer.add(request("a").tokens(60).arrivedAt(T0));
        buffer.add(request("b").tokens(60).arrivedAt(T0 + 1));

        assertThat(buffer.isFull()).isTrue();
        assertThat(ids(buffer.drain(T0 + 1).batches())).containsExactly(List.of("a"));
        assertThat(buffer.size()).isEqualTo(1);
        assertThat(buffer.flushTime()).isEqualTo(T0 + 51);
    }

    @Test
    void closesWhenTheOldestRequestHasWaitedLongEnough() {
        buffer.add(request("a").arrivedAt(T0));
        buffer.add(request("b").arrivedAt(T0 + 30));

        assertThat(ids(buffer.drain(T0 + 50).batches())).containsExactly(List.of("a", "b"));
    }

    @Test
    void takesHigherPriorityFirstThenOlder() {
        buffer.add(request("low").low().texts(2).arrivedAt(T0));
        buffer.add(request("normal").texts(2).arrivedAt(T0 + 1));
        buffer.add(request("high").high().texts(2).arrivedAt(T0 + 2));

        assertThat(ids(buffer.drain(T0 + 2).batches())).containsExactly(List.of("high", "normal"));
        assertThat(ids(buffer.drain(T0 + 50).batches())).containsExactly(List.of("low"));
    }

    @Test
    void takesCriticalBeforeHighWhateverArrivedFirst() {
        buffer.add(request("high-old").high().texts(2).arrivedAt(T0));
        buffer.add(request("normal").texts(2).arrivedAt(T0 + 1));
        buffer.add(request("critical").critical().texts(2).arrivedAt(T0 + 2));
        buffer.add(request("high-new").high().texts(2).arrivedAt(T0 + 3));

        assertThat(ids(buffer.drain(T0 + 3).batches()))
                .containsExactly(List.of("critical", "high-old"), List.of("high-new", "normal"));
    }

    @Test
    void aFreeThreadTakesOneBatchOfWhatIsBufferedAtOnce() {
        buffer.add(request("low").low().arrivedAt(T0));
        buffer.add(request("high").high().arrivedAt(T0 + 1));

        assertThat(buffer.drain(T0 + 1, Occupancy.ALL_BUSY).isEmpty()).isTrue();
        assertThat(ids(buffer.drain(T0 + 1, Occupancy.SOME_FREE).batches())).containsExactly(List.of("high", "low"));
        assertThat(buffer.isEmpty()).isTrue();
    }

    @Test
    void aFreeThreadTakesOneBatchUpToTheLimitsTheRestWaits() {
        buffer.add(request("a").texts(3).arrivedAt(T0));
        buffer.add(request("b").texts(3).arrivedAt(T0));

        assertThat(ids(buffer.drain(T0, Occupancy.IDLE).batches())).containsExactly(List.of("a"));
        assertThat(ids(buffer.drain(T0 + 1, Occupancy.ALL_BUSY).batches())).isEmpty();
        assertThat(buffer.size()).isEqualTo(1);
    }

    @Test
    void withOtherThreadsAtWorkATinyBatchWaitsForMoreAtMostTheMaxWait() {
        BatchAccumulator wide = new BatchAccumulator(new BatchLimits(8, 1_000, 50)); // tiny: under 2 texts
        wide.add(request("a").arrivedAt(T0));

        assertThat(wide.drain(T0, Occupancy.SOME_FREE).isEmpty()).isTrue();
        wide.add(request("b").arrivedAt(T0 + 3));
        assertThat(ids(wide.drain(T0 + 3, Occupancy.SOME_FREE).batches())).containsExactly(List.of("a", "b"));

        wide.add(request("c").arrivedAt(T0 + 4));
        assertThat(wide.drain(T0 + 53, Occupancy.SOME_FREE).isEmpty()).isTrue();
        assertThat(ids(wide.drain(T0 + 54, Occupancy.SOME_FREE).batches())).containsExactly(List.of("c"));
    }

    @Test
    void anIdleExecutorTakesEvenATinyBatchAtOnce() {
        BatchAccumulator wide = new BatchAccumulator(new BatchLimits(8, 1_000, 50));
        wide.add(request("a").arrivedAt(T0));

        assertThat(ids(wide.drain(T0, Occupancy.IDLE).batches())).containsExactly(List.of("a"));
    }

    @Test
    void aRequestLargerThanTheLimitsFormsABatchOfItsOwn() {
        buffer.add(request("small").arrivedAt(T0));
        buffer.add(request("huge").high().texts(9).tokens(500).arrivedAt(T0));

        assertThat(ids(buffer.drain(T0).batches())).containsExactly(List.of("huge"));
        assertThat(buffer.size()).isEqualTo(1);
    }

    @Test
    void requestsPastTheirDeadlineLeaveAsExpired() {
        buffer.add(request("late").deadline(T0 + 20).arrivedAt(T0));
        buffer.add(request("fine").arrivedAt(T0));

        BatchAccumulator.Drained drained = buffer.drain(T0 + 50);

        assertThat(drained.expired()).extracting(b -> b.request().requestId()).containsExactly("late");
        assertThat(ids(drained.batches())).containsExactly(List.of("fine"));
    }

    @Test
    void drainAllEmptiesTheBufferInBatchesWithinTheLimits() {
        BatchAccumulator other = new BatchAccumulator(new BatchLimits(4, 100, 1_000));
        for (int i = 0; i < 6; i++) {
            other.add(request("s" + i).arrivedAt(T0));
        }
        assertThat(other.drain(T0).batches()).hasSize(1); // full once; the rest waits
        assertThat(other.drainAll(T0).batches()).extracting(List::size).containsExactly(2);
        assertThat(other.isEmpty()).isTrue();
    }

    @Test
    void aFullBufferLeavesInAsManyFullBatchesAsItHolds() {
        BatchAccumulator big = new BatchAccumulator(new BatchLimits(4, 1_000, 1_000));
        for (int i = 0; i < 9; i++) {
            big.add(request("r" + i).arrivedAt(T0));
        }
        BatchAccumulator.Drained drained = big.drain(T0);
        assertThat(drained.batches()).extracting(List::size).containsExactly(4, 4);
        assertThat(big.size()).isEqualTo(1);
        assertThat(big.texts()).isEqualTo(1);
    }

    @Test
    void aCancelTakesItsRequestOutWithItsTextsAndTokens() {
        buffer.add(request("a").texts(3).tokens(60).arrivedAt(T0));
        buffer.add(request("b").texts(1).arrivedAt(T0 + 1));

        assertThat(buffer.cancel(new CancelMarker("a", "mallory", T0))).as("another user's cancel").isEmpty();
        assertThat(buffer.cancel(new CancelMarker("a", "alice", T0))).get()
                .extracting(b -> b.request().requestId()).isEqualTo("a");
        assertThat(buffer.cancel(new CancelMarker("a", "alice", T0))).as("already out").isEmpty();

        assertThat(buffer.size()).isEqualTo(1);
        assertThat(buffer.texts()).isEqualTo(1);
        assertThat(buffer.isFull()).as("b alone is below both limits").isFalse();
        assertThat(buffer.flushTime()).isEqualTo(T0 + 51);
    }

    private static List<List<String>> ids(List<List<BufferedRequest>> batches) {
        return batches.stream().map(b -> b.stream().map(r -> r.request().requestId()).toList()).toList();
    }
}
