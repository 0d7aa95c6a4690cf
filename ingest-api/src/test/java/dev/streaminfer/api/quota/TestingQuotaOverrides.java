package dev.streaminfer.api.quota;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * In-memory {@link QuotaOverrides}; {@link #down} makes every call fail like an unreachable
 * PostgreSQL, {@link #failingCommits} makes that many next commits fail after {@code beforeCommit}
 * ran (the connection lost at COMMIT).
 */
public final class TestingQuotaOverrides implements QuotaOverrides {

    private final Map<String, QuotaSettings> settings = new HashMap<>();
    private final Map<String, String> keyPlans = new HashMap<>();
    public volatile boolean down;
    public volatile int failingCommits;

    /** The plan of a user's API key, as {@code api_keys} holds it. */
    public synchronized void keyPlan(String userId, String plan) {
        keyPlans.put(userId, plan);
    }

    public synchronized Optional<String> keyPlanOf(String userId) {
        return Optional.ofNullable(keyPlans.get(userId));
    }

    @Override
    public synchronized Optional<QuotaSettings> find(String userId) {
        failIfDown();
        return Optional.ofNullable(settings.get(userId));
    }

    @Override
    public synchronized QuotaSettings update(String userId, String updatedBy, long updatedAtMillis,
                                             UnaryOperator<QuotaSettings> change, Consumer<QuotaSettings> beforeCommit) {
        failIfDown();
        QuotaSettings before = settings.getOrDefault(userId,
                QuotaSettings.planOnly(keyPlans.getOrDefault(userId, "free")));
        QuotaSettings after = change.apply(before);
        beforeCommit.accept(after);
        if (failingCommits > 0) {
            failingCommits--;
            throw new UnavailableException("testing store lost the connection at commit", null);
        }
        settings.put(userId, after);
        if (keyPlans.containsKey(userId)) {
            keyPlans.put(userId, after.plan());
        }
        return after;
    }

    private void failIfDown() {
        if (down) {
            throw new UnavailableException("testing store is down", null);
        }
    }
}
