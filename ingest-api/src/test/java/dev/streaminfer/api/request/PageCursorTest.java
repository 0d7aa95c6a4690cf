package dev.streaminfer.api.request;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streaminfer.api.ApiException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class PageCursorTest {

    @Test
    void roundTripsIdsWithColonsAndUnicode() {
        PageCursor cursor = new PageCursor(1_764_688_000_123_456L, "req:with:colons-ü");
        String encoded = cursor.encode();
        assertThat(encoded).matches("[A-Za-z0-9_-]+"); // safe in a query string as is
        assertThat(PageCursor.decode(encoded)).isEqualTo(cursor);
    }

    @Test
    void refusesAnotherVersionOrAMissingId() {
        for (String plain : new String[] {"2:1:r", "1:1:", "1:x:r", "1:1"}) {
            String foreign = Base64.getUrlEncoder().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
            assertThatThrownBy(() -> PageCursor.decode(foreign)).as(plain).isInstanceOf(ApiException.class);
        }
    }
}
