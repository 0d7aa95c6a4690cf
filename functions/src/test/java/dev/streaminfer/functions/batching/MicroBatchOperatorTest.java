package dev.streaminfer.functions.batching;

import static dev.streaminfer.functions.batching.Requests.BGE;
import static dev.streaminfer.functions.batching.Requests.T0;
import static dev.streaminfer.functions.batching.Requests.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.functions.inference.SharedExecutors.Occupancy;
import dev.streaminfer.contract.model.CancelMarker;
import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.contract.model.RequestStatus;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The batcher in an operator harness (first input requests, second input cancels): output, timers
 * left, and snapshot → restore. Every inference thread counts as busy unless a test says otherwise
 * ({@link #THREADS}).
 */
class MicroBatchOperatorTest {

    private static final AtomicReference<Occupancy> THREADS = new AtomicReference<>();

    private static final long MAX_WAIT = 50;
    private static final BatchingSettings SETTINGS = BatchingSettings.defaults()
            .withBatchLimits(3, 1_000, Duration.ofMillis(MAX_WAIT));

    private MicroBatchOperator operator;
    private TwoInputStreamOperatorTestHarness<InferenceRequest, CancelMarker, InferenceBatch> harness;

    @BeforeEach
    void open() throws Exception {
        THREADS.set(Occupancy.ALL_BUSY);
        harness = newHarness();
        harness.setup();
        harness.open();
        harness.setProcessingTime(T0);
    }

    @AfterEach
    void close() throws Exception {
        if (harness != null) {
            harness.close();
        }
    }

    @Test
    void emitsABatchAsSoonAsItIsFull() throws Exception {
        send(request("a").build(), request("b").build(), request("c").build());

        assertThat(batches()).extracting(MicroBatchOperatorTest::ids).containsExactly(List.of("a", "b", "c"));
        assertThat(timers()).isZero();
    }

    @Test
    void emitsAPartialBatchWhenTheWaitIsUp() throws Exception {
        send(request("a").build());
        harness.setProcessingTime(T0 + 20);
        send(request("b").build());
        harness.setProcessingTime(T0 + MAX_WAIT - 1);
        assertThat(batches()).isEmpty();

        harness.setProcessingTime(T0 + MAX_WAIT);

        List<InferenceBatch> batches = batches();
        assertThat(batches).extracting(MicroBatchOperatorTest::ids).containsExactly(List.of("a", "b"));
        assertThat(batches.get(0).firstArrivedAt()).isEqualTo(T0);
        assertThat(batches.get(0).closedAt()).isEqualTo(T0 + MAX_WAIT);
        assertThat(timers()).isZero();
    }

    @Test
    void anIdleExecutorTakesWhatIsBufferedAtOnce() throws Exception {
        THREADS.set(Occupancy.IDLE);
        send(request("a").build());

        assertThat(batches()).extracting(MicroBatchOperatorTest::ids).containsExactly(List.of("a"));
        assertThat(timers()).isZero();
    }

    @Test
    void whileEveryThreadIsBusyTheBufferGrowsAndLeavesWhenOneFrees() throws Exception {
        send(request("a").build());
        harness.setProcessingTime(T0 + 5);
        send(request("b").build());
        harness.setProcessingTime(T0 + 10);
        assertThat(batches()).isEmpty();
        assertThat(timers()).as("looking again for a free thread").isEqualTo(1);

        THREADS.set(Occupancy.IDLE);
        harness.setProcessingTime(T0 + 10 + MicroBatchOperator.POLL_MS);

        List<InferenceBatch> batches = batches();
        assertThat(batches).extracting(MicroBatchOperatorTest::ids).containsExactly(List.of("a", "b"));
        assertThat(batches.get(0).closedAt()).isEqualTo(T0 + 10 + MicroBatchOperator.POLL_MS);
        assertThat(timers()).isZero();
    }

    @Test
    void keepsOneBufferPerModel() throws Exception {
        send(request("m1").build(), request("b1").model(BGE).build(), request("m2").build(), request("m3").build());

        assertThat(batches()).extracting(MicroBatchOperatorTest::ids).containsExactly(List.of("m1", "m2", "m3"));
        harness.setProcessingTime(T0 + MAX_WAIT);
        List<InferenceBatch> later = batches();
        assertThat(later).extracting(InferenceBatch::model).containsExactly(BGE);
    }

    @Test
    void requestsThatExpireWhileBufferedLeaveThroughTheSideOutput() throws Exception {
        send(request("late").deadline(T0 + 10).build(), request("fine").build());

        harness.setProcessingTime(T0 + MAX_WAIT);

        assertThat(batches()).extracting(MicroBatchOperatorTest::ids).containsExactly(List.of("fine"));
        assertThat(uncomputed()).extracting(InferenceResult::requestId, InferenceResult::status)
                .containsExactly(tuple("late", RequestStatus.EXPIRED));
    }

    @Test
    void aCancelTakesItsRequestOutOfTheBufferUncharged() throws Exception {
        send(request("a").build(), request("b").build());
        cancel("a", "alice");

        assertThat(uncomputed()).singleElement().satisfies(r -> {
            assertThat(r.requestId()).isEqualTo("a");
            assertThat(r.status()).isEqualTo(RequestStatus.CANCELLED);
            assertThat(r.errorCode()).isEqualTo("cancelled");
            assertThat(r.chargedTokens()).isZero();
            assertThat(r.completedAt()).isEqualTo(T0);
        });
        harness.setProcessingTime(T0 + MAX_WAIT);
        assertThat(batches()).extracting(MicroBatchOperatorTest::ids).containsExactly(List.of("b"));
    }

    @Test
    void aCancelThatArrivesFirstTakesItsRequestOnArrival() throws Exception {
        cancel("a", "alice");
        assertThat(uncomputed()).isEmpty();

        send(request("a").build());

        assertThat(uncomputed()).extracting(InferenceResult::requestId, InferenceResult::status)
                .containsExactly(tuple("a", RequestStatus.CANCELLED));
        harness.setProcessingTime(T0 + MAX_WAIT);
        assertThat(batches()).isEmpty();
        assertThat(timers()).isZero();
    }

    @Test
    void aCancelAfterItsRequestLeftInABatchChangesNothing() throws Exception {
        send(request("a").build(), request("b").build(), request("c").build()); // a full batch leaves
        assertThat(batches()).hasSize(1);

        cancel("a", "alice");
        send(request("d").build());
        harness.setProcessingTime(T0 + MAX_WAIT);

        assertThat(uncomputed()).isEmpty();
        assertThat(batches()).extracting(MicroBatchOperatorTest::ids).containsExactly(List.of("d"));
    }

    @Test
    void aCancelNamesOnlyItsOwnUsersRequest() throws Exception {
        send(request("a").build());
        cancel("a", "mallory");
        harness.setProcessingTime(T0 + MAX_WAIT);

        assertThat(uncomputed()).isEmpty();
        assertThat(batches()).extracting(MicroBatchOperatorTest::ids).containsExactly(List.of("a"));
    }

    @Test
    void aRememberedCancelSurvivesSnapshotAndRestore() throws Exception {
        cancel("later", "alice");
        OperatorSubtaskState snapshot = harness.snapshot(1L, T0);
        harness.close();

        harness = newHarness();
        harness.setup();
        harness.initializeState(snapshot);
        harness.open();
        harness.setProcessingTime(T0 + 10);
        send(request("later").build());

        assertThat(uncomputed()).extracting(InferenceResult::requestId, InferenceResult::status)
                .containsExactly(tuple("later", RequestStatus.CANCELLED));
    }

    @Test
    void aCancelIsForgottenAfterItsMemory() throws Exception {
        cancel("late-request", "alice");
        harness.setProcessingTime(T0 + MicroBatchOperator.CANCEL_MEMORY_MS);
        send(request("late-request").deadline(T0 + 2 * MicroBatchOperator.CANCEL_MEMORY_MS).build());
        harness.setProcessingTime(T0 + MicroBatchOperator.CANCEL_MEMORY_MS + MAX_WAIT);

        assertThat(uncomputed()).isEmpty();
        assertThat(batches()).extracting(MicroBatchOperatorTest::ids).containsExactly(List.of("late-request"));
    }

    @Test
    void bufferedRequestsSurviveSnapshotAndRestoreAndAreEmittedOnce() throws Exception {
        send(request("a").build(), request("b").build(), request("c").build()); // emitted before the checkpoint
        send(request("d").build(), request("e").high().build());                 // buffered at the checkpoint
        assertThat(batches()).hasSize(1);
        OperatorSubtaskState snapshot = harness.snapshot(1L, T0);
        harness.close(); // the failure: the buffered requests never left this instance

        harness = newHarness();
        harness.setup();
        harness.initializeState(snapshot);
        harness.open();
        harness.setProcessingTime(T0 + 10);
        assertThat(timers()).isEqualTo(1);
        assertThat(batches()).isEmpty();

        harness.setProcessingTime(T0 + MAX_WAIT);

        assertThat(batches()).extracting(MicroBatchOperatorTest::ids).containsExactly(List.of("e", "d"));
        assertThat(timers()).isZero();
        harness.setProcessingTime(T0 + 10 * MAX_WAIT);
        assertThat(batches()).isEmpty();
    }

    @Test
    void aRestoreAfterTheWaitIsUpEmitsAtOnce() throws Exception {
        send(request("a").build());
        OperatorSubtaskState snapshot = harness.snapshot(1L, T0);
        harness.close();

        harness = newHarness();
        harness.setup();
        harness.initializeState(snapshot);
        harness.setProcessingTime(T0 + 10 * MAX_WAIT);
        harness.open();
        harness.setProcessingTime(T0 + 10 * MAX_WAIT + 1);

        assertThat(batches()).extracting(MicroBatchOperatorTest::ids).containsExactly(List.of("a"));
    }

    @Test
    void endOfInputEmitsEverythingBuffered() throws Exception {
        send(request("a").build(), request("b").model(BGE).build());

        harness.endInput1();
        harness.endInput2();
        operator.finish();

        assertThat(batches()).extracting(InferenceBatch::model).containsExactlyInAnyOrder(Requests.MINILM, BGE);
    }

    private TwoInputStreamOperatorTestHarness<InferenceRequest, CancelMarker, InferenceBatch> newHarness()
            throws Exception {
        operator = new MicroBatchOperator(SETTINGS, ModelRegistry.bundled(), THREADS::get);
        return new TwoInputStreamOperatorTestHarness<>(operator);
    }

    private int timers() {
        return harness.getProcessingTimeService().getNumActiveTimers();
    }

    private void send(InferenceRequest... requests) throws Exception {
        for (InferenceRequest r : requests) {
            harness.processElement1(r, 0L);
        }
    }

    private void cancel(String requestId, String userId) throws Exception {
        harness.processElement2(new CancelMarker(requestId, userId, T0), 0L);
    }

    /** What ended in the batcher (expired, cancelled) since the last call. */
    private List<InferenceResult> uncomputed() {
        var side = harness.getSideOutput(MicroBatchOperator.UNCOMPUTED);
        if (side == null) {
            return List.of();
        }
        List<InferenceResult> out = side.stream().map(StreamRecord::getValue).toList();
        side.clear();
        return out;
    }

    /** The batches emitted since the last call. */
    @SuppressWarnings("unchecked")
    private List<InferenceBatch> batches() {
        List<InferenceBatch> out = harness.getOutput().stream()
                .filter(o -> o instanceof StreamRecord)
                .map(o -> ((StreamRecord<InferenceBatch>) o).getValue())
                .toList();
        harness.getOutput().clear();
        return out;
    }

    private static List<String> ids(InferenceBatch batch) {
        return Arrays.stream(batch.requests()).map(InferenceRequest::requestId).toList();
    }
}
