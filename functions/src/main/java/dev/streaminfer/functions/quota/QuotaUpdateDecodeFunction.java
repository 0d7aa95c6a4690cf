package dev.streaminfer.functions.quota;

import dev.streaminfer.contract.quota.QuotaUpdate;
import dev.streaminfer.contract.quota.QuotaUpdateCodec;

import dev.streaminfer.functions.decode.DecodeFunction;
import dev.streaminfer.functions.model.DeadLetter;
import dev.streaminfer.functions.model.RawRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Decodes the quota topics' records ({@code quota-updates}: plan changes, {@code quota-refunds}:
 * refunds; either kind is accepted from either topic, so refunds an older job version wrote to
 * {@code quota-updates} still apply after an upgrade): valid ones to the main output, invalid ones
 * counted ({@code quota_updates_invalid_total}) and sent to {@link DecodeFunction#DEAD_LETTERS}, so
 * they can share the requests' dead-letter sink. A plan change without {@code updated_at} takes the Kafka
 * record timestamp, which a replay reads again unchanged.
 */
public class QuotaUpdateDecodeFunction extends ProcessFunction<RawRecord, QuotaUpdate> {

    private transient Counter invalid;

    @Override
    public void open(OpenContext openContext) {
        invalid = getRuntimeContext().getMetricGroup().counter("quota_updates_invalid_total");
    }

    @Override
    public void processElement(RawRecord record, Context ctx, Collector<QuotaUpdate> out) {
        QuotaUpdateCodec.Decoded decoded = QuotaUpdateCodec.decode(record.value(), record.timestamp());
        if (decoded.isValid()) {
            out.collect(decoded.update());
        } else {
            invalid.inc();
            ctx.output(DecodeFunction.DEAD_LETTERS,
                    new DeadLetter(record, decoded.failure().code().code(), decoded.failure().message()));
        }
    }
}
