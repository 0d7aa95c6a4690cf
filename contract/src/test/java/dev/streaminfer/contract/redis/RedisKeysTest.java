package dev.streaminfer.contract.redis;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RedisKeysTest {

    @Test
    void idsComeBackFromResultKeys() {
        assertThat(RedisKeys.resultId(RedisKeys.result("019ab-1"))).contains("019ab-1");
    }

    @Test
    void aKeyOfAnotherKindHasNoId() {
        assertThat(RedisKeys.resultId(RedisKeys.cancel("r"))).isEmpty();
        assertThat(RedisKeys.resultId(RedisKeys.result(""))).isEmpty();
        assertThat(RedisKeys.resultId(null)).isEmpty();
    }

    @Test
    void keyKindsNeverCollide() {
        String id = "x";
        assertThat(new String[] {RedisKeys.result(id), RedisKeys.usage(id), RedisKeys.accepted(id),
                RedisKeys.cancel(id), RedisKeys.idempotency(id, id)}).doesNotHaveDuplicates();
    }

    @Test
    void idempotencyKeysOfDifferentUsersNeverCollideEvenWithColons() {
        assertThat(RedisKeys.idempotency("a:b", "c")).isNotEqualTo(RedisKeys.idempotency("a", "b:c"));
    }

    @Test
    void theResultPatternMatchesResultKeysOnly() {
        String prefix = RedisKeys.resultPattern().replace("*", "");
        assertThat(RedisKeys.result("r")).startsWith(prefix);
        assertThat(RedisKeys.cancel("r")).doesNotStartWith(prefix);
    }
}
