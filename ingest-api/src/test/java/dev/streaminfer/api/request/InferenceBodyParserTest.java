package dev.streaminfer.api.request;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.contract.registry.ModelTokenizer;
import dev.streaminfer.contract.model.Priority;
import dev.streaminfer.contract.validation.TokenCounter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InferenceBodyParserTest {

    /** One token per word plus [CLS] and [SEP], like the real tokenizers for plain words. */
    private static final TokenCounter WORDS = text -> text.trim().split("\\s+").length + 2;

    private final InferenceBodyParser parser = new InferenceBodyParser(ModelRegistry.bundled(), name -> WORDS);

    private InferenceBodyParser.Outcome parse(String body) {
        return parser.parse(body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void minimal_body_gets_the_defaults() {
        ParsedInference p = parse("{\"inputs\":[\"hello world\"]}").request();
        assertThat(p.model()).isEqualTo("all-minilm-l6-v2-q");
        assertThat(p.priority()).isEqualTo(Priority.NORMAL);
        assertThat(p.timeoutMs()).isEqualTo(60_000);
        assertThat(p.inputTokens()).isEqualTo(4);
    }

    @Test
    void every_field_is_read() {
        ParsedInference p = parse("{\"model\":\"bge-small-en-v15-q\",\"inputs\":[\"a\",\"b c\"],"
                + "\"priority\":\"high\",\"timeout_ms\":1500}").request();
        assertThat(p.model()).isEqualTo("bge-small-en-v15-q");
        assertThat(p.inputs()).containsExactly("a", "b c");
        assertThat(p.priority()).isEqualTo(Priority.HIGH);
        assertThat(p.timeoutMs()).isEqualTo(1500);
        assertThat(p.inputTokens()).isEqualTo(7);
    }

    @ParameterizedTest
    @CsvSource({"low, LOW", "normal, NORMAL", "high, HIGH", "critical, CRITICAL"})
    void every_priority_level_is_accepted(String wire, Priority expected) {
        assertThat(parse("{\"inputs\":[\"a\"],\"priority\":\"" + wire + "\"}").request().priority())
                .isEqualTo(expected);
    }

    @Test
    void an_unknown_priority_names_all_four_levels() {
        InferenceBodyParser.Outcome outcome = parse("{\"inputs\":[\"a\"],\"priority\":\"urgent\"}");
        assertThat(outcome.isValid()).isFalse();
        assertThat(outcome.error().message()).contains("low, normal, high, critical");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "empty body                |                                                       | 400 | not_json",
            "not json                  | hello                                                 | 400 | not_json",
            "truncated json            | {\"inputs\":[\"a\"                                    | 400 | not_json",
            "array body                | [1,2]                                                 | 400 | wrong_type",
            "string body               | \"x\"                                                 | 400 | wrong_type",
            "trailing garbage          | {\"inputs\":[\"a\"]} x                             | 400 | not_json",
            "two documents             | {\"inputs\":[\"a\"]}{}                            | 400 | not_json",
            "duplicate key             | {\"inputs\":[\"a\"],\"inputs\":[\"b\"]}       | 400 | not_json",
            "unknown field             | {\"inputs\":[\"a\"],\"user_id\":\"mallory\"}          | 400 | invalid_request",
            "model not a string        | {\"model\":5,\"inputs\":[\"a\"]}                      | 400 | wrong_type",
            "unknown model             | {\"model\":\"gpt-9\",\"inputs\":[\"a\"]}              | 404 | unknown_model",
            "inputs missing            | {\"model\":\"all-minilm-l6-v2-q\"}                    | 400 | missing_field",
            "inputs null               | {\"inputs\":null}                                     | 400 | missing_field",
            "inputs not an array       | {\"inputs\":\"a\"}                                    | 400 | wrong_type",
            "inputs empty              | {\"inputs\":[]}                                       | 400 | invalid_request",
            "input not a string        | {\"inputs\":[\"a\",3]}                                | 400 | wrong_type",
            "input nested array        | {\"inputs\":[[\"a\"]]}                                | 400 | wrong_type",
            "input blank               | {\"inputs\":[\"  \"]}                                 | 400 | invalid_request",
            "priority unknown          | {\"inputs\":[\"a\"],\"priority\":\"urgent\"}          | 400 | invalid_request",
            "priority wrong type       | {\"inputs\":[\"a\"],\"priority\":1}                   | 400 | invalid_request",
            "timeout too small         | {\"inputs\":[\"a\"],\"timeout_ms\":99}                | 400 | invalid_request",
            "timeout too large         | {\"inputs\":[\"a\"],\"timeout_ms\":86400001}          | 400 | invalid_request",
            "timeout negative          | {\"inputs\":[\"a\"],\"timeout_ms\":-1}                | 400 | invalid_request",
            "timeout fractional        | {\"inputs\":[\"a\"],\"timeout_ms\":1000.5}            | 400 | wrong_type",
            "timeout string            | {\"inputs\":[\"a\"],\"timeout_ms\":\"1000\"}          | 400 | wrong_type",
            "timeout beyond long       | {\"inputs\":[\"a\"],\"timeout_ms\":99999999999999999999} | 400 | wrong_type",
            "huge number               | {\"inputs\":[\"a\"],\"timeout_ms\":1" + "0000000000000000000000000000000000000000000000000000000000000000000} | 400 | invalid_request",
    })
    void invalid_bodies_are_refused_with_their_code(String name, String body, int status, String code) {
        InferenceBodyParser.Outcome outcome = parse(body == null ? "" : body);
        assertThat(outcome.isValid()).isFalse();
        assertThat(outcome.error().status()).isEqualTo(status);
        assertThat(outcome.error().code()).isEqualTo(code);
    }

    @Test
    void too_many_inputs() {
        String body = "{\"inputs\":[" + "\"a\",".repeat(256) + "\"a\"]}";
        InferenceBodyParser.Outcome outcome = parse(body);
        assertThat(outcome.error().code()).isEqualTo("too_many_inputs");
        assertThat(outcome.error().status()).isEqualTo(400);
        assertThat(parse("{\"inputs\":[" + "\"a\",".repeat(255) + "\"a\"]}").isValid()).isTrue();
    }

    @Test
    void nesting_deeper_than_32_is_refused() {
        String deep = "{\"inputs\":" + "[".repeat(40) + "]".repeat(40) + "}";
        InferenceBodyParser.Outcome outcome = parse(deep);
        assertThat(outcome.error().status()).isEqualTo(400);
        assertThat(outcome.error().code()).isEqualTo("invalid_request");
    }

    @Test
    void input_over_the_model_limit_is_input_too_long_and_the_text_is_not_echoed() {
        String secret = "secretword ".repeat(300);
        InferenceBodyParser.Outcome outcome = parse("{\"inputs\":[\"ok\",\"" + secret + "\"]}");
        assertThat(outcome.error().code()).isEqualTo("input_too_long");
        assertThat(outcome.error().status()).isEqualTo(400);
        assertThat(outcome.error().message()).contains("inputs[1]").doesNotContain("secretword");
    }

    @Test
    void bge_accepts_longer_inputs_than_minilm() {
        String text = "word ".repeat(300);
        assertThat(parse("{\"model\":\"all-minilm-l6-v2-q\",\"inputs\":[\"" + text + "\"]}").isValid()).isFalse();
        assertThat(parse("{\"model\":\"bge-small-en-v15-q\",\"inputs\":[\"" + text + "\"]}").isValid()).isTrue();
    }

    @Test
    void unknown_field_names_are_echoed_bounded_and_printable() {
        InferenceBodyParser.Outcome outcome = parse("{\"" + "x".repeat(500) + "\\u0007\":1}");
        assertThat(outcome.error().message().length()).isLessThan(200);
        assertThat(outcome.error().message()).doesNotContain("\u0007");
    }

    @Test
    void counts_with_the_models_real_tokenizer() {
        try (ModelTokenizer tokenizer = ModelTokenizer.load(ModelRegistry.ALL_MINILM_L6_V2_Q)) {
            InferenceBodyParser real = new InferenceBodyParser(ModelRegistry.bundled(), name -> tokenizer);
            ParsedInference p = real.parse("{\"inputs\":[\"hello world\"]}".getBytes(StandardCharsets.UTF_8)).request();
            assertThat(p.inputTokens()).isEqualTo(4); // [CLS] hello world [SEP]
            String tooLong = "{\"inputs\":[\"" + "antidisestablishmentarianism ".repeat(60) + "\"]}";
            assertThat(real.parse(tooLong.getBytes(StandardCharsets.UTF_8)).error().code()).isEqualTo("input_too_long");
        }
    }
}
