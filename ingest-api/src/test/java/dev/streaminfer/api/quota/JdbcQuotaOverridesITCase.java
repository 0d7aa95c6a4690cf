package dev.streaminfer.api.quota;

import dev.streaminfer.api.auth.ApiKeyStore;
import dev.streaminfer.localstack.ServiceEndpoints;
import dev.streaminfer.localstack.TestServices;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;

/** The overrides contract against the real {@code api_quota_overrides} and {@code api_keys} tables. */
class JdbcQuotaOverridesITCase extends QuotaOverridesContract {

    private static DataSource dataSource;
    private static JdbcQuotaOverrides overrides;

    @BeforeAll
    static void setUp() {
        ServiceEndpoints e = TestServices.get().endpoints();
        dataSource = e.postgresDataSource();
        overrides = new JdbcQuotaOverrides(dataSource);
    }

    @Override
    protected QuotaOverrides overrides() {
        return overrides;
    }

    @Override
    protected void userWithKey(String userId, String plan) {
        ApiKeyStore.upsert(dataSource, "key-" + UUID.randomUUID(), userId, "user", plan);
    }

    @Override
    protected String keyPlan(String userId) {
        try (Connection c = dataSource.getConnection()) {
            return ApiKeyStore.planOf(c, userId).orElseThrow();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
