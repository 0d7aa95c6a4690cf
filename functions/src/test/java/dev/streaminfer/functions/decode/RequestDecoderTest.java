package dev.streaminfer.functions.decode;

import static dev.streaminfer.functions.TestRequests.rawRecord;
import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.functions.TestRequests;
import dev.streaminfer.functions.model.RawRecord;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RequestDecoderTest {

    /** One token per whitespace-separated word: enough to test the decisions, not the tokenizer. */
    private final RequestDecoder decoder = new RequestDecoder(ModelRegistry.bundled(),
            spec -> text -> text.split("\\s+").length, Duration.ofMinutes(5));

    @Test
    void validRecordBecomesARequestWithItsTokenCount() {
        RequestDecoder.Outcome outcome = decoder.decode(rawRecord("alice",
                "{\"request_id\":\"r1\",\"user_id\":\"alice\",\"inputs\":[\"one two\",\"three\"]}", 3));
        assertThat(outcome.deadLetter()).isNull();
        assertThat(outcome.request().inputTokens()).isEqualTo(3);
    }

    @Test
    void unknownModelGoesToTheDeadLetters() {
        RawRecord raw = rawRecord("alice",
                "{\"request_id\":\"r1\",\"user_id\":\"alice\",\"model\":\"gpt-9\",\"inputs\":[\"x\"]}", 9);
        RequestDecoder.Outcome outcome = decoder.decode(raw);
        assertThat(outcome.request()).isNull();
        assertThat(outcome.deadLetter().reason()).isEqualTo("unknown_model");
        assertThat(outcome.deadLetter().source()).isSameAs(raw);
    }

    @Test
    void inputOverTheModelLimitGoesToTheDeadLetters() {
        String tooLong = "word ".repeat(ModelRegistry.ALL_MINILM_L6_V2_Q.maxInputTokens() + 1);
        RequestDecoder.Outcome outcome = decoder.decode(rawRecord("alice",
                "{\"request_id\":\"r1\",\"user_id\":\"alice\",\"inputs\":[\"" + tooLong + "\"]}", 1));
        assertThat(outcome.deadLetter().reason()).isEqualTo("input_too_long");
    }

    @Test
    void tooManyOrEmptyOrBlankInputsGoToTheDeadLetters() {
        String many = "\"x\",".repeat(256) + "\"x\"";
        assertThat(decoder.decode(rawRecord("a", "{\"request_id\":\"r\",\"user_id\":\"a\",\"inputs\":[" + many + "]}", 1))
                .deadLetter().reason()).isEqualTo("too_many_inputs");
        assertThat(decoder.decode(rawRecord("a", "{\"request_id\":\"r\",\"user_id\":\"a\",\"inputs\":[]}", 1))
                .deadLetter().reason()).isEqualTo("invalid_request");
        assertThat(decoder.decode(rawRecord("a", "{\"request_id\":\"r\",\"user_id\":\"a\",\"inputs\":[\"  \"]}", 1))
                .deadLetter().reason()).isEqualTo("invalid_request");
    }

    @Test
    void aSubmittedAtFarFromTheRecordsTimestampGoesToTheDeadLetters() {
        long fourYears = 4L * 365 * 86_400_000L;
        String future = "{\"request_id\":\"r1\",\"user_id\":\"carol\",\"inputs\":[\"x\"],\"submitted_at\":"
                + (TestRequests.T0 + fourYears) + "}";
        String past = "{\"request_id\":\"r2\",\"user_id\":\"carol\",\"inputs\":[\"x\"],\"submitted_at\":"
                + (TestRequests.T0 - 6 * 60_000) + "}";
        assertThat(decoder.decode(rawRecord("carol", future, 1)).deadLetter().reason())
                .isEqualTo("submitted_at_out_of_range");
        assertThat(decoder.decode(rawRecord("carol", past, 2)).deadLetter().reason())
                .isEqualTo("submitted_at_out_of_range");
    }

    @Test
    void aSubmittedAtWithinTheSkewIsKept() {
        long submittedAt = TestRequests.T0 + 4 * 60_000;
        RequestDecoder.Outcome outcome = decoder.decode(rawRecord("carol",
                "{\"request_id\":\"r1\",\"user_id\":\"carol\",\"inputs\":[\"x\"],\"submitted_at\":" + submittedAt + "}", 1));
        assertThat(outcome.request().submittedAt()).isEqualTo(submittedAt);
    }
}
