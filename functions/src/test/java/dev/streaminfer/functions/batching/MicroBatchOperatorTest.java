package dev.streaminfer.functions.batching;

import static dev.streaminfer.functions.batching.Requests.BGE;
import static dev.streaminfer.functions.batching.Requests.T0;
import static dev.streaminfer.functions.batching.Requests.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.functions.inference.SharedExecutors.Occupancy;
import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.contract.model.RequestStatus;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The batcher in an operator harness: output, timers left, and snapshot → restore. Every inference
 * thread counts as busy unless a test says otherwise ({@link #THREADS}).
 */
class MicroBatchOperatorTest {

    private static final AtomicReference<Occupancy> THREADS = new AtomicReference<>();

    private static final long MAX_WAIT = 50;
    private static final BatchingSettings SETTINGS = BatchingSettings.defaults()
            .withBatchLimits(3, 1_000, Duration.ofMillis(MAX_WAIT));

    private OneInputStreamOperatorTestHarness<InferenceRequest, InferenceBatch> harness;

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
        assertThat(harness.getSideOutput(MicroBatchOperator.EXPIRED)).extracting(StreamRecord::getValue)
                .extracting(InferenceResult::requestId, InferenceResult::status)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("late", RequestStatus.EXPIRED));
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

        harness.endInput();
        harness.getOneInputOperator().finish();

        assertThat(batches()).extracting(InferenceBatch::model).containsExactlyInAnyOrder(Requests.MINILM, BGE);
    }

    private OneInputStreamOperatorTestHarness<InferenceRequest, InferenceBatch> newHarness() throws Exception {
        return new OneInputStreamOperatorTestHarness<>(new MicroBatchOperator(SETTINGS, ModelRegistry.bundled(),
                        THREADS::get),
                TypeInformation.of(InferenceRequest.class).createSerializer(new SerializerConfigImpl()));
    }

    private int timers() {
        return harness.getProcessingTimeService().getNumActiveTimers();
    }

    private void send(InferenceRequest... requests) throws Exception {
        for (InferenceRequest r : requests) {
            harness.processElement(r, 0L);
        }
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
