package dev.streaminfer.api.quota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * What every {@link QuotaOverrides} must do; run against the fake ({@code TestingQuotaOverridesTest})
 * and against PostgreSQL ({@code JdbcQuotaOverridesITCase}), so the fake cannot drift.
 */
public abstract class QuotaOverridesContract {

    protected abstract QuotaOverrides overrides();

    /** Gives the user an API key on {@code plan}. */
    protected abstract void userWithKey(String userId, String plan);

    /** The plan of the user's key as the key directory now holds it. */
    protected abstract String keyPlan(String userId);

    private static String user() {
        return "contract-" + UUID.randomUUID();
    }

    @Test
    void aUserNoAdminTouchedHasNoSettings() {
        assertThat(overrides().find(user())).isEmpty();
    }

    @Test
    void theFirstChangeStartsFromThePlanOfTheUsersKey() {
        String user = user();
        userWithKey(user, "pro");

        QuotaSettings after = overrides().update(user, "admin", 1_000, s -> new QuotaSettings(s.plan(), null, 1_000L),
                s -> {});

        assertThat(after).isEqualTo(new QuotaSettings("pro", null, 1_000L));
        assertThat(overrides().find(user)).contains(after);
    }

    @Test
    void aUserWithoutAKeyStartsFromFree() {
        String user = user();
        QuotaSettings after = overrides().update(user, "admin", 1_000, s -> s, s -> {});
        assertThat(after).isEqualTo(QuotaSettings.planOnly("free"));
    }

    @Test
    void laterChangesStartFromTheStoredSettings() {
        String user = user();
        overrides().update(user, "admin", 1_000, s -> new QuotaSettings("pro", 50L, null), s -> {});

        QuotaSettings after = overrides().update(user, "admin", 2_000,
                s -> new QuotaSettings(s.plan(), s.tokensPerMinute(), 7L), s -> {});

        assertThat(after).isEqualTo(new QuotaSettings("pro", 50L, 7L));
    }

    @Test
    void aPlanChangeBecomesThePlanOfTheUsersKeys() {
        String user = user();
        userWithKey(user, "free");

        overrides().update(user, "admin", 1_000, s -> QuotaSettings.planOnly("unlimited"), s -> {});

        assertThat(keyPlan(user)).isEqualTo("unlimited");
    }

    @Test
    void aFailureBeforeCommitChangesNothing() {
        String user = user();
        userWithKey(user, "free");
        overrides().update(user, "admin", 1_000, s -> new QuotaSettings("free", 10L, 10L), s -> {});

        assertThatThrownBy(() -> overrides().update(user, "admin", 2_000, s -> QuotaSettings.planOnly("pro"), s -> {
            throw new IllegalStateException("Kafka did not acknowledge");
        })).isInstanceOf(IllegalStateException.class);

        assertThat(overrides().find(user)).contains(new QuotaSettings("free", 10L, 10L));
        assertThat(keyPlan(user)).isEqualTo("free");
    }
}
