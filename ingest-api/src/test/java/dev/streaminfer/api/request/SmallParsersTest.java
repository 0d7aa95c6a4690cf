package dev.streaminfer.api.request;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streaminfer.api.ApiException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SmallParsersTest {

    @Test
    void body_within_the_limit_is_read() {
        byte[] body = BoundedBody.read(new ByteArrayInputStream("{}".getBytes()), -1, 1024);
        assertThat(new String(body)).isEqualTo("{}");
    }

    @Test
    void declared_oversize_body_is_refused_without_reading_a_byte() {
        InputStream untouchable = new InputStream() {
            @Override
            public int read() {
                throw new AssertionError("must not be read");
            }
        };
        assertThatThrownBy(() -> BoundedBody.read(untouchable, 2048, 1024))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.error().status()).isEqualTo(413);
                    assertThat(e.error().code()).isEqualTo("payload_too_large");
                });
    }

    @Test
    void undeclared_oversize_body_is_refused_after_the_limit_not_at_the_end() {
        long[] served = {0};
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                served[0]++;
                return 'x';
            }

            @Override
            public int read(byte[] b, int off, int len) {
                served[0] += len;
                java.util.Arrays.fill(b, off, off + len, (byte) 'x');
                return len;
            }
        };
        assertThatThrownBy(() -> BoundedBody.read(endless, -1, 1 << 20)).isInstanceOf(ApiException.class);
        assertThat(served[0]).isLessThan((1 << 20) + 16_384);
    }

    @Test
    void wait_ms() {
        Duration max = Duration.ofSeconds(30);
        assertThat(QueryParams.waitMs(null, max)).isZero();
        assertThat(QueryParams.waitMs("", max)).isZero();
        assertThat(QueryParams.waitMs("30000", max)).isEqualTo(30_000);
        for (String bad : new String[] {"30001", "-1", "abc", "1.5", "99999999999999999999"}) {
            assertThatThrownBy(() -> QueryParams.waitMs(bad, max)).as(bad)
                    .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.error().status()).isEqualTo(400));
        }
    }

    @Test
    void traceparent_is_propagated_when_valid_and_started_otherwise() {
        String valid = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        assertThat(Traceparent.orNew(valid)).isEqualTo(valid);
        for (String bad : new String[] {null, "", "garbage", "00-00000000000000000000000000000000-b7ad6b7169203331-01",
                "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01"}) {
            String fresh = Traceparent.orNew(bad);
            assertThat(Traceparent.isValid(fresh)).as(fresh).isTrue();
            assertThat(fresh).isNotEqualTo(bad);
        }
    }

    @Test
    void quota_body() {
        QuotaBodyParser.QuotaPatch p = QuotaBodyParser.parse(
                "{\"plan\":\"pro\",\"tokens_per_minute\":1000,\"tokens_per_day\":null}".getBytes(StandardCharsets.UTF_8));
        assertThat(p.plan()).contains("pro");
        assertThat(p.tokensPerMinute()).isEqualTo(new QuotaBodyParser.Patch<>(true, 1000L));
        assertThat(p.tokensPerDay()).isEqualTo(new QuotaBodyParser.Patch<>(true, null));

        QuotaBodyParser.QuotaPatch only = QuotaBodyParser.parse("{\"tokens_per_day\":5}".getBytes());
        assertThat(only.plan()).isEmpty();
        assertThat(only.tokensPerMinute().present()).isFalse();

        for (String bad : new String[] {"", "[]", "{}", "{\"plan\":\"\"}", "{\"plan\":\"Has Space\"}", "{\"plan\":3}",
                "{\"tokens_per_minute\":-1}", "{\"tokens_per_minute\":1.5}", "{\"tokens_per_day\":\"9\"}",
                "{\"tokens_per_day\":1000000000001}", "{\"rate\":1}"}) {
            assertThatThrownBy(() -> QuotaBodyParser.parse(bad.getBytes())).as(bad)
                    .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.error().status()).isEqualTo(400));
        }
        assertThat(QuotaBodyParser.isValidUserId("alice")).isTrue();
        assertThat(QuotaBodyParser.isValidUserId("a b")).isFalse();
        assertThat(QuotaBodyParser.isValidUserId("x".repeat(129))).isFalse();
    }
}
