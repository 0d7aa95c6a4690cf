package dev.streaminfer.functions.quota;

import java.util.HashMap;
import java.util.Map;

/** {@link RefundedIds} in a plain map: for tests, tools and anything outside keyed state. */
public final class InMemoryRefundedIds implements RefundedIds {

    private final Map<String, Long> dayByRequestId = new HashMap<>();

    @Override
    public boolean add(String requestId, long epochDay) {
        return dayByRequestId.putIfAbsent(requestId, epochDay) == null;
    }

    @Override
    public void forgetDaysBefore(long epochDay) {
        dayByRequestId.values().removeIf(day -> day < epochDay);
    }

    public int size() {
        return dayByRequestId.size();
    }
}
