package dev.streaminfer.api.quota;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TestingQuotaOverridesTest extends QuotaOverridesContract {

    private final TestingQuotaOverrides overrides = new TestingQuotaOverrides();

    @Override
    protected QuotaOverrides overrides() {
        return overrides;
    }

    @Override
    protected void userWithKey(String userId, String plan) {
        overrides.keyPlan(userId, plan);
    }

    @Override
    protected String keyPlan(String userId) {
        return overrides.keyPlanOf(userId).orElseThrow();
    }

    @Test
    void aDownStoreFailsLikeAnUnreachablePostgres() {
        overrides.down = true;
        assertThatThrownBy(() -> overrides.find("x")).isInstanceOf(QuotaOverrides.UnavailableException.class);
    }
}
