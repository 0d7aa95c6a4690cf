package dev.streaminfer.functions.quota;

import dev.streaminfer.contract.quota.QuotaPlan;
import dev.streaminfer.contract.quota.QuotaUpdate;
import dev.streaminfer.contract.quota.UsageDocument;

import dev.streaminfer.contract.model.InferenceRequest;
import dev.streaminfer.contract.model.InferenceResult;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import dev.streaminfer.contract.telemetry.Tracing;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.FlinkRuntimeException;
import org.apache.flink.util.OutputTag;

/**
 * Charges each request against its user's token quota in keyed state. Connect the request stream
 * and the decoded {@code quota-updates} stream, both keyed by user id:
 *
 * <pre>{@code
 * SingleOutputStreamOperator<InferenceRequest> admitted = requests.keyBy(InferenceRequest::userId)
 *         .connect(updates.keyBy(QuotaUpdate::userId))
 *         .process(new QuotaFunction(QuotaPlan.FREE))
 *         .uid("quota").name("quota");
 * admitted.getSideOutput(QuotaFunction.REJECTED);  // rejected results, error quota_exceeded
 * admitted.getSideOutput(QuotaFunction.USAGE);     // usage snapshots for the Redis mirror
 * }</pre>
 *
 * <p>Main output: admitted requests, unchanged. {@link #REJECTED}: a {@code rejected} result with
 * {@code quota_exceeded} and {@code retry_after_ms} per rejected request. {@link #USAGE}: a
 * {@link UsageDocument} after every change of a user's usage or plan (write it with
 * {@link UsageMirrorWrites}). The decisions are {@link QuotaAccount}'s; this class only moves
 * state in and out.
 *
 * <p>State per user: the plan an admin gave ({@code plan}, never expires: bounded by admin
 * actions), the usage {@link QuotaLedger} ({@code ledger}) and the refunded request ids
 * ({@code refunded-ids}, only for the current and previous UTC day). Idle users' usage expires:
 * one processing-time timer per user wakes up and drops the ledger and refunded ids once the
 * <b>watermark</b> has reached {@link QuotaLedger#expiresAt()}: the start of the second UTC day
 * after the user's last request, when the ledger would decide exactly like a fresh one. The
 * watermark is the event time no input of this operator is behind (the job's sources derive it
 * from the Kafka record timestamps, less the largest clock skew the decoder lets through, taking
 * the minimum over every partition that is not idle), so no request still to come can belong to
 * the days the ledger counts. Another user's newer requests, or a caught-up partition, never
 * expire a ledger: a lagging partition holds the watermark back until its backlog is read. The
 * watermark is not in checkpoints, so after a restore nothing expires until the sources have
 * produced a new one. The timer only decides when to look.
 *
 * <p>Metrics: {@code quota_admitted_requests_total}, {@code quota_admitted_tokens_total},
 * {@code quota_rejections_total}, {@code quota_rejected_tokens_total}, {@code quota_refunds_total},
 * {@code quota_refunded_tokens_total}, {@code quota_plan_changes_total},
 * {@code quota_updates_ignored_total}, {@code quota_state_expired_total}.
 */
public class QuotaFunction extends KeyedCoProcessFunction<String, InferenceRequest, QuotaUpdate, InferenceRequest> {

    private static final long serialVersionUID = 1L;

    public static final OutputTag<InferenceResult> REJECTED = new OutputTag<>("quota-rejected") {};
    public static final OutputTag<UsageDocument> USAGE = new OutputTag<>("quota-usage") {};

    /** How often, at most, a user's cleanup timer looks again while the usage still counts. */
    public static final Duration DEFAULT_CLEANUP_CHECK_INTERVAL = Duration.ofMinutes(10);

    private final QuotaPlan defaultPlan;
    private final long cleanupCheckIntervalMs;

    private transient ValueState<QuotaLedger> ledgerState;
    private transient ValueState<PlanAssignment> planState;
    private transient MapState<String, Long> refundedState;
    private transient RefundedIds refundedIds;

    private transient Counter admittedRequests;
    private transient Counter admittedTokens;
    private transient Counter rejections;
    private transient Counter rejectedTokens;
    private transient Counter refunds;
    private transient Counter refundedTokens;
    private transient Counter planChanges;
    private transient Counter ignoredUpdates;
    private transient Counter expiredStates;

    /** @param defaultPlan the plan of users an admin has not given one */
    public QuotaFunction(QuotaPlan defaultPlan) {
        this(defaultPlan, DEFAULT_CLEANUP_CHECK_INTERVAL);
    }

    public QuotaFunction(QuotaPlan defaultPlan, Duration cleanupCheckInterval) {
        this.defaultPlan = Objects.requireNonNull(defaultPlan, "defaultPlan");
        this.cleanupCheckIntervalMs = cleanupCheckInterval.toMillis();
        if (cleanupCheckIntervalMs <= 0) {
            throw new IllegalArgumentException("cleanupCheckInterval must be positive");
        }
    }

    @Override
    public void open(OpenContext openContext) {
        ledgerState = getRuntimeContext().getState(
                new ValueStateDescriptor<>("ledger", TypeInformation.of(QuotaLedger.class)));
        planState = getRuntimeContext().getState(
                new ValueStateDescriptor<>("plan", TypeInformation.of(PlanAssignment.class)));
        refundedState = getRuntimeContext().getMapState(
                new MapStateDescriptor<>("refunded-ids", Types.STRING, Types.LONG));
        refundedIds = new StateRefundedIds(refundedState);

        MetricGroup metrics = getRuntimeContext().getMetricGroup();
        admittedRequests = metrics.counter("quota_admitted_requests_total");
        admittedTokens = metrics.counter("quota_admitted_tokens_total");
        rejections = metrics.counter("quota_rejections_total");
        rejectedTokens = metrics.counter("quota_rejected_tokens_total");
        refunds = metrics.counter("quota_refunds_total");
        refundedTokens = metrics.counter("quota_refunded_tokens_total");
        planChanges = metrics.counter("quota_plan_changes_total");
        ignoredUpdates = metrics.counter("quota_updates_ignored_total");
        expiredStates = metrics.counter("quota_state_expired_total");
    }

    @Override
    public void processElement1(InferenceRequest request, Context ctx, Collector<InferenceRequest> out)
            throws Exception {
        QuotaAccount account = account(ctx.getCurrentKey());
        Span span = Tracing.start("quota decision", SpanKind.CONSUMER, request.traceparent());
        QuotaDecision decision = account.admit(request);
        if (span.isRecording()) {
            span.setAttribute("request_id", request.requestId());
            span.setAttribute("user_id", request.userId());
            span.setAttribute("quota.admitted", decision.isAdmitted());
            span.setAttribute("quota.tokens", decision.tokens());
            span.end();
        }
        QuotaLedger ledger = account.ledger();
        if (decision.isAdmitted()) {
            admittedRequests.inc();
            admittedTokens.inc(decision.tokens());
            out.collect(request);
        } else {
            rejections.inc();
            rejectedTokens.inc(decision.tokens());
            ctx.output(REJECTED, decision.toRejection(request, ledger.getClock()));
        }
        if (ledger.getCleanupTimer() == 0) {
            scheduleCleanup(ledger, ctx.timerService().currentProcessingTime(), ctx.timerService());
        }
        ledgerState.update(ledger);
        if (decision.usageChanged()) {
            ctx.output(USAGE, account.usage(ledger.getClock()));
        }
    }

    @Override
    public void processElement2(QuotaUpdate update, Context ctx, Collector<InferenceRequest> out) throws Exception {
        QuotaAccount account = account(ctx.getCurrentKey());
        QuotaDecision decision = account.apply(update);
        QuotaLedger ledger = account.ledger();
        switch (decision.outcome()) {
            case REFUNDED -> {
                refunds.inc();
                refundedTokens.inc(decision.tokens());
            }
            case PLAN_CHANGED -> {
                planChanges.inc();
                planState.update(account.assignment());
            }
            default -> ignoredUpdates.inc();
        }
        if (ledger.isStarted() && decision.outcome() != QuotaDecision.Outcome.IGNORED) {
            ledgerState.update(ledger);
        }
        if (decision.usageChanged()) {
            long asOf = Math.max(ledger.isStarted() ? ledger.getClock() : 0, update.updatedAt());
            ctx.output(USAGE, account.usage(asOf));
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<InferenceRequest> out) throws Exception {
        QuotaLedger ledger = ledgerState.value();
        if (ledger == null || ledger.getCleanupTimer() != timestamp) {
            return;
        }
        if (ctx.timerService().currentWatermark() >= ledger.expiresAt()) {
            ledgerState.clear();
            refundedState.clear();
            expiredStates.inc();
        } else {
            scheduleCleanup(ledger, timestamp, ctx.timerService());
            ledgerState.update(ledger);
        }
    }

    /** One timer per user: at about the processing time the watermark should pass the expiry. */
    private void scheduleCleanup(QuotaLedger ledger, long now, org.apache.flink.streaming.api.TimerService timers) {
        long watermark = timers.currentWatermark();
        long untilExpiry = watermark == Long.MIN_VALUE ? 0 : ledger.expiresAt() - watermark;
        long at = now + Math.max(cleanupCheckIntervalMs, untilExpiry);
        timers.registerProcessingTimeTimer(at);
        ledger.setCleanupTimer(at);
    }

    private QuotaAccount account(String userId) throws Exception {
        return new QuotaAccount(userId, defaultPlan, planState.value(), ledgerState.value(), refundedIds);
    }

    /** {@link RefundedIds} over the current key's {@code MapState}. */
    private static final class StateRefundedIds implements RefundedIds {
        private final MapState<String, Long> state;

        StateRefundedIds(MapState<String, Long> state) {
            this.state = state;
        }

        @Override
        public boolean add(String requestId, long epochDay) {
            try {
                if (state.contains(requestId)) {
                    return false;
                }
                state.put(requestId, epochDay);
                return true;
            } catch (Exception e) {
                throw new FlinkRuntimeException("refunded-ids state failed", e);
            }
        }

        @Override
        public void forgetDaysBefore(long epochDay) {
            try {
                Iterator<Map.Entry<String, Long>> entries = state.iterator();
                while (entries.hasNext()) {
                    if (entries.next().getValue() < epochDay) {
                        entries.remove();
                    }
                }
            } catch (Exception e) {
                throw new FlinkRuntimeException("refunded-ids state failed", e);
            }
        }
    }
}
