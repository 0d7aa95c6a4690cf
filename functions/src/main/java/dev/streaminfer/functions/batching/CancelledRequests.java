package dev.streaminfer.functions.batching;

import dev.streaminfer.contract.model.CancelMarker;
import dev.streaminfer.contract.model.InferenceRequest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cancels the batcher received before the request they name. A cancel follows its request on the
 * requests topic, but it reaches the batcher on a shorter path (broadcast, not through the quota),
 * so it can arrive first; and each batcher subtask sees every cancel while only one holds the
 * request. A cancel is kept for {@code memoryMs} of processing time, then forgotten: by then its
 * request has long passed the batcher (or was rejected before it). A cancel only matches a
 * request of the same user: a cancel names no one else's request.
 *
 * <p>Plain logic with no Flink in it; not thread-safe (one per operator instance).
 */
public final class CancelledRequests {

    /** A remembered cancel (operator state). */
    public record Remembered(CancelMarker cancel, long forgetAt) {}

    private final long memoryMs;
    /** By request id, in arrival order: forgetting takes from the front. */
    private final Map<String, Remembered> byRequestId = new LinkedHashMap<>();

    public CancelledRequests(long memoryMs) {
        this.memoryMs = memoryMs;
    }

    /** Remembers a cancel whose request this batcher does not hold (yet). */
    public void remember(CancelMarker cancel, long now) {
        forget(now);
        byRequestId.remove(cancel.requestId()); // a repeat moves to the back, with a fresh time
        byRequestId.put(cancel.requestId(), new Remembered(cancel, now + memoryMs));
    }

    /** True, and forgotten, if a remembered cancel names this request (and its user). */
    public boolean take(InferenceRequest request, long now) {
        forget(now);
        Remembered r = byRequestId.get(request.requestId());
        if (r == null || r.forgetAt() <= now || !r.cancel().names(request)) {
            return false;
        }
        byRequestId.remove(request.requestId());
        return true;
    }

    public int size() {
        return byRequestId.size();
    }

    /** What to snapshot. */
    public List<Remembered> remembered() {
        return new ArrayList<>(byRequestId.values());
    }

    /**
     * Takes back a snapshot. After a rescale each subtask is given every old subtask's entries
     * (they saw the same cancels), so duplicates keep the later time.
     */
    public void restore(Iterable<Remembered> entries) {
        Map<String, Remembered> latest = new LinkedHashMap<>(byRequestId);
        for (Remembered r : entries) {
            latest.merge(r.cancel().requestId(), r, (a, b) -> a.forgetAt() >= b.forgetAt() ? a : b);
        }
        byRequestId.clear();
        latest.values().stream().sorted(Comparator.comparingLong(Remembered::forgetAt))
                .forEach(r -> byRequestId.put(r.cancel().requestId(), r));
    }

    private void forget(long now) {
        Iterator<Remembered> it = byRequestId.values().iterator();
        while (it.hasNext()) {
            if (it.next().forgetAt() > now) {
                return; // the rest arrived later
            }
            it.remove();
        }
    }
}
