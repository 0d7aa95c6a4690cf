package dev.streaminfer.api.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.localstack.ServiceEndpoints;
import dev.streaminfer.localstack.TestServices;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The key directory contract against the real {@code api_keys} table. */
class ApiKeyStoreITCase extends KeyDirectoryContract {

    private static ServiceEndpoints e;
    private static DataSource dataSource;
    private static ApiKeyStore store;

    @BeforeAll
    static void setUp() {
        e = TestServices.get().endpoints();
        dataSource = e.postgresDataSource();
        store = new ApiKeyStore(dataSource);
    }

    @Override
    protected KeyDirectory directory() {
        return store;
    }

    @Override
    protected void addKey(String plainKey, String userId, String role, String plan) {
        ApiKeyStore.upsert(dataSource, plainKey, userId, role, plan);
    }

    @Override
    protected void revokeKey(String plainKey) {
        assertThat(ApiKeyStore.revoke(e.postgresUrl(), e.postgresUser(), e.postgresPassword(), plainKey)).isTrue();
    }

    @Test
    void only_the_sha256_hex_is_stored() throws SQLException {
        String key = "secret-" + UUID.randomUUID();
        ApiKeyStore.upsert(e.postgresUrl(), e.postgresUser(), e.postgresPassword(), key, "frank", "user", "free");
        try (Connection c = DriverManager.getConnection(e.postgresUrl(), e.postgresUser(), e.postgresPassword());
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT key_hash FROM api_keys WHERE user_id = 'frank'")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).isEqualTo(KeyHash.sha256Hex(key)).doesNotContain(key).hasSize(64);
        }
    }

    @Test
    void upsert_unrevokes_and_replaces() {
        String key = "re-" + UUID.randomUUID();
        ApiKeyStore.upsert(dataSource, key, "gina", "user", "free");
        ApiKeyStore.revoke(dataSource, key);
        ApiKeyStore.upsert(dataSource, key, "gina", "admin", "pro");
        assertThat(store.lookup(KeyHash.sha256Hex(key))).contains(new Caller("gina", Role.ADMIN, "pro"));
    }
}
