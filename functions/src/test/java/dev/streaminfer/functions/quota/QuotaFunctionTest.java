package dev.streaminfer.functions.quota;

import dev.streaminfer.contract.quota.QuotaPlan;
import dev.streaminfer.contract.quota.QuotaUpdate;
import dev.streaminfer.contract.quota.UsageDocument;

import static dev.streaminfer.functions.quota.QuotaTestData.DAY;
import static dev.streaminfer.functions.quota.QuotaTestData.MIDNIGHT;
import static dev.streaminfer.functions.quota.QuotaTestData.MINUTE;
import static dev.streaminfer.functions.quota.QuotaTestData.SECOND;
import static dev.streaminfer.functions.quota.QuotaTestData.T0;
import static dev.streaminfer.functions.quota.QuotaTestData.aliceRequest;
import static dev.streaminfer.functions.quota.QuotaTestData.bobRequest;
import static dev.streaminfer.functions.quota.QuotaTestData.dailyLimit;
import static dev.streaminfer.functions.quota.QuotaTestData.refundOf;
import static dev.streaminfer.functions.quota.QuotaTestData.tokens;
import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.InferenceResult;
import dev.streaminfer.contract.model.RequestStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class QuotaFunctionTest {

    private static final Duration CHECK_INTERVAL = Duration.ofMinutes(10);

    private KeyedTwoInputStreamOperatorTestHarness<String, InferenceRequest, QuotaUpdate, InferenceRequest> harness;

    @BeforeEach
    void openHarness() throws Exception {
        harness = newHarness();
        harness.open();
    }

    @AfterEach
    void closeHarness() throws Exception {
        harness.close();
    }

    private static KeyedTwoInputStreamOperatorTestHarness<String, InferenceRequest, QuotaUpdate, InferenceRequest>
            newHarness() throws Exception {
        return new KeyedTwoInputStreamOperatorTestHarness<>(
                new KeyedCoProcessOperator<>(new QuotaFunction(QuotaPlan.FREE, CHECK_INTERVAL)),
                InferenceRequest::userId, QuotaUpdate::userId, Types.STRING);
    }

    private void send(InferenceRequest request) throws Exception {
        harness.processElement1(new StreamRecord<>(request, request.submittedAt()));
    }

    private void send(QuotaUpdate update) throws Exception {
        harness.processElement2(new StreamRecord<>(update));
    }

    private List<String> admittedIds() {
        return harness.extractOutputValues().stream().map(InferenceRequest::requestId).toList();
    }

    private List<InferenceResult> rejections() {
        return values(harness.getSideOutput(QuotaFunction.REJECTED));
    }

    private List<UsageDocument> snapshots() {
        return values(harness.getSideOutput(QuotaFunction.USAGE));
    }

    private static <T> List<T> values(Iterable<StreamRecord<T>> records) {
        List<T> values = new ArrayList<>();
        if (records != null) {
            records.forEach(r -> values.add(r.getValue()));
        }
        return values;
    }

    @Test
    void functionSurvivesJavaSerializationAsFlinkShipsIt() throws Exception {
        QuotaFunction copy = org.apache.flink.util.InstantiationUtil.clone(new QuotaFunction(QuotaPlan.PRO));

        assertThat(copy).isNotNull();
    }

    @Test
    void admittedRequestsGoOnAndRejectedOnesBecomeQuotaExceededResults() throws Exception {
        send(aliceRequest(tokens(9_000)).id("a1").at(T0));
        send(aliceRequest(tokens(2_000)).id("a2").at(T0 + SECOND));
        send(bobRequest(tokens(2_000)).id("b1").at(T0 + SECOND));

        assertThat(admittedIds()).containsExactly("a1", "b1");
        assertThat(rejections()).singleElement().satisfies(rejected -> {
            assertThat(rejected.requestId()).isEqualTo("a2");
            assertThat(rejected.status()).isEqualTo(RequestStatus.REJECTED);
            assertThat(rejected.errorCode()).isEqualTo("quota_exceeded");
            // 1,000 left + 166⅔ refilled in 1 s: 833⅓ tokens missing at 10,000 per minute = 5 s.
            assertThat(rejected.retryAfterMs()).isEqualTo(5_000);
        });
    }

    @Test
    void everyChangeEmitsAnAbsoluteUsageDocument() throws Exception {
        send(aliceRequest(tokens(1_200)).at(T0));
        send(aliceRequest(tokens(800)).at(T0 + SECOND));

        assertThat(snapshots()).containsExactly(
                new UsageDocument("alice", "free", 10_000L, 200_000L, 1_200, 198_800L, MIDNIGHT),
                new UsageDocument("alice", "free", 10_000L, 200_000L, 2_000, 198_000L, MIDNIGHT));
    }

    @Test
    void planChangeFromTheUpdatesStreamAppliesToTheNextRequest() throws Exception {
        send(dailyLimit("alice", 1_000));
        send(aliceRequest(tokens(700)).id("a1").at(T0));
        send(aliceRequest(tokens(400)).id("a2").at(T0 + SECOND));
        send(bobRequest(tokens(400)).id("b1").at(T0 + SECOND));

        assertThat(admittedIds()).containsExactly("a1", "b1");
        assertThat(rejections()).extracting(InferenceResult::requestId).containsExactly("a2");
        assertThat(snapshots().get(0))
                .as("a snapshot even before the user's first request, with no reset time yet")
                .isEqualTo(new UsageDocument("alice", "free", 10_000L, 1_000L, 0, 1_000L, 0));
    }

    @Test
    void refundFromTheUpdatesStreamGivesTheBudgetBackOnce() throws Exception {
        send(dailyLimit("alice", 1_000));
        InferenceRequest expired = aliceRequest(tokens(1_000)).at(T0);
        send(expired);

        send(refundOf(expired));
        send(refundOf(expired));
        send(aliceRequest(tokens(1_000)).id("after-refund").at(T0 + 60 * SECOND));
        send(aliceRequest(tokens(1)).id("over").at(T0 + 61 * SECOND));

        assertThat(admittedIds()).endsWith("after-refund");
        assertThat(rejections()).extracting(InferenceResult::requestId).containsExactly("over");
    }

    @Test
    void refundForAnUnknownUserCreatesNoState() throws Exception {
        send(QuotaUpdate.refund("nobody", "r-1", 10, T0));

        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numProcessingTimeTimers()).isZero();
        assertThat(snapshots()).isEmpty();
    }

    @Test
    void restoredFromASnapshotMidSequenceItDecidesExactlyAsWithoutFailure() throws Exception {
        List<Object> first = sequence(0);
        List<Object> second = sequence(1);
        for (Object event : first) {
            sendAny(event);
        }
        sendAny(second.get(0));
        OperatorSubtaskState snapshot = harness.snapshot(1, T0);
        Outputs before = outputs();
        for (Object event : second.subList(1, second.size())) {
            sendAny(event);
        }
        Outputs uninterrupted = outputs().since(before);

        harness.close();
        harness = newHarness();
        harness.initializeState(snapshot);
        harness.open();
        for (Object event : second.subList(1, second.size())) {
            sendAny(event);
        }

        assertThat(outputs()).isEqualTo(uninterrupted);
        assertThat(uninterrupted.admitted()).hasSizeGreaterThan(5);
        assertThat(uninterrupted.rejected()).hasSizeGreaterThan(5);
    }

    private record Outputs(List<String> admitted, List<InferenceResult> rejected, List<UsageDocument> usage) {
        Outputs since(Outputs earlier) {
            return new Outputs(admitted.subList(earlier.admitted.size(), admitted.size()),
                    rejected.subList(earlier.rejected.size(), rejected.size()),
                    usage.subList(earlier.usage.size(), usage.size()));
        }
    }

    private Outputs outputs() {
        return new Outputs(admittedIds(), rejections(), snapshots());
    }

    /** Requests and updates for alice and bob that hit both limits and refunds. */
    private static List<Object> sequence(int part) {
        List<Object> events = new ArrayList<>();
        long start = T0 + part * 30 * SECOND;
        if (part == 0) {
            events.add(dailyLimit("bob", 25_000));
        }
        for (int i = 0; i < 20; i++) {
            InferenceRequest alice = aliceRequest(tokens(900 + 37 * i)).id("alice-" + part + "-" + i).at(start + i * 700L);
            InferenceRequest bob = bobRequest(tokens(1_500)).id("bob-" + part + "-" + i).at(start + i * 500L);
            events.add(alice);
            events.add(bob);
            if (i % 4 == 0) {
                events.add(refundOf(bob));
            }
        }
        return events;
    }

    private void sendAny(Object event) throws Exception {
        if (event instanceof InferenceRequest request) {
            send(request);
        } else {
            send((QuotaUpdate) event);
        }
    }

    /** Event time no input of the quota operator is behind, as the job's Kafka sources emit it. */
    private void watermark(long eventTime) throws Exception {
        harness.processBothWatermarks(new Watermark(eventTime));
    }

    @Test
    void idleUsersUsageExpiresOnceTheWatermarkHasMovedTwoUtcDaysOn() throws Exception {
        harness.setProcessingTime(0);
        send(QuotaUpdate.planChange("alice", "pro", null, null, T0));
        InferenceRequest refunded = aliceRequest(tokens(100)).at(T0);
        send(refunded);
        send(refundOf(refunded));
        send(bobRequest(tokens(100)).at(T0));
        watermark(T0);
        // alice: plan, ledger, refunded ids; bob: ledger
        assertThat(harness.numKeyedStateEntries()).isEqualTo(4);
        assertThat(harness.numProcessingTimeTimers()).isEqualTo(2);

        // Processing time alone (a stopped job, a backlog) drops nothing.
        harness.setProcessingTime(Duration.ofDays(5).toMillis());
        assertThat(harness.numKeyedStateEntries()).isEqualTo(4);
        assertThat(harness.numProcessingTimeTimers()).as("re-armed").isEqualTo(2);

        // Bob keeps coming; every input reaches the start of alice's second day after her last request.
        send(bobRequest(tokens(100)).at(MIDNIGHT + DAY));
        watermark(MIDNIGHT + DAY);
        harness.setProcessingTime(Duration.ofDays(7).toMillis());

        assertThat(harness.numKeyedStateEntries()).as("alice's plan and bob's ledger").isEqualTo(2);
        assertThat(harness.numProcessingTimeTimers()).as("bob's").isEqualTo(1);

        // Alice comes back: her admin-given plan is still there, her usage starts afresh.
        send(aliceRequest(tokens(50_000)).id("back").at(MIDNIGHT + DAY + SECOND));
        assertThat(admittedIds()).endsWith("back");
        assertThat(snapshots().get(snapshots().size() - 1))
                .isEqualTo(new UsageDocument("alice", "pro", 100_000L, 5_000_000L, 50_000, 4_950_000L, MIDNIGHT + 2 * DAY));
    }

    @Test
    void anotherUsersNewerRequestsNeverExpireALedgerWhileTheWatermarkIsBehind() throws Exception {
        harness.setProcessingTime(0);
        // Bob's partition lags: the watermark stays at the time of his last request read so far.
        send(dailyLimit("bob", 1_000));
        send(bobRequest(tokens(800)).id("bob-1").at(T0));
        watermark(T0);
        // Alice's partition is caught up: her requests are two days ahead of bob's.
        send(aliceRequest(tokens(100)).id("alice-ahead").at(MIDNIGHT + 2 * DAY));
        send(aliceRequest(tokens(100)).id("alice-further").at(MIDNIGHT + 3 * DAY));

        harness.setProcessingTime(Duration.ofDays(10).toMillis());

        assertThat(harness.numKeyedStateEntries()).as("bob's plan and ledger, alice's ledger").isEqualTo(3);
        assertThat(harness.numProcessingTimeTimers()).as("both re-armed").isEqualTo(2);
        // Bob's backlog from the day his ledger counts still meets the 800 tokens charged that day.
        send(bobRequest(tokens(300)).id("bob-backlog").at(T0 + MINUTE));
        assertThat(rejections()).extracting(InferenceResult::requestId).containsExactly("bob-backlog");
        assertThat(admittedIds()).containsExactly("bob-1", "alice-ahead", "alice-further");
    }

    @Test
    void aLedgerExpiresWhenTheWatermarkReachesItsExpiryAndAnIdleUpdatesInputDoesNotHoldThatBack() throws Exception {
        harness.setProcessingTime(0);
        send(dailyLimit("bob", 1_000));
        send(bobRequest(tokens(800)).id("bob-1").at(T0));
        long bobExpiresAt = MIDNIGHT + DAY;

        // The quota topics carry nothing: their input is idle and only the requests' watermark counts.
        harness.processWatermarkStatus2(WatermarkStatus.IDLE);
        harness.processWatermark1(new Watermark(bobExpiresAt - 1));
        harness.setProcessingTime(Duration.ofDays(3).toMillis());
        assertThat(harness.numKeyedStateEntries()).as("one millisecond early: bob's plan and ledger").isEqualTo(2);
        assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);

        harness.processWatermark1(new Watermark(bobExpiresAt));
        harness.setProcessingTime(Duration.ofDays(4).toMillis());

        assertThat(harness.numKeyedStateEntries()).as("bob's admin-given plan only").isEqualTo(1);
        assertThat(harness.numProcessingTimeTimers()).isZero();
        // Bob's next request starts a fresh day budget.
        send(bobRequest(tokens(900)).id("bob-next-day").at(bobExpiresAt + MINUTE));
        assertThat(admittedIds()).containsExactly("bob-1", "bob-next-day");
    }

    @Test
    void activeUserKeepsItsUsageAndASingleTimer() throws Exception {
        harness.setProcessingTime(0);
        for (int i = 0; i < 50; i++) {
            send(aliceRequest(tokens(10)).at(T0 + i * 60 * SECOND));
            harness.setProcessingTime(i * CHECK_INTERVAL.toMillis());
        }

        assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);
        assertThat(harness.numKeyedStateEntries()).isEqualTo(1);
        assertThat(snapshots().get(snapshots().size() - 1).usedToday()).isEqualTo(500);
    }
}
