package dev.streaminfer.api.store;

import dev.streaminfer.contract.redis.RedisKeys;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TestingRequestStoreTest extends RequestStoreContract {

    private final TestingRequestStore store = new TestingRequestStore();

    @Override
    protected RequestStore store() {
        return store;
    }

    @Override
    protected void writeResult(String requestId, String doc) {
        store.putResult(requestId, doc);
    }

    @Override
    protected void writeUsage(String userId, String json) {
        store.putUsage(userId, json);
    }

    @Test
    void down_store_fails_like_an_unreachable_redis() {
        store.down = true;
        assertThatThrownBy(() -> store.resultDocument("x")).isInstanceOf(RequestStore.StoreUnavailableException.class);
        assertThat(store.ping()).isFalse();
    }

    @Test
    void idempotency_keys_of_different_users_never_collide() {
        assertThat(RedisKeys.idempotency("a:b", "c")).isNotEqualTo(RedisKeys.idempotency("a", "b:c"));
    }
}
