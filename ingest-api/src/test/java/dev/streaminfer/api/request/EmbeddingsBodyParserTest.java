package dev.streaminfer.api.request;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.streaminfer.api.ApiError;
import dev.streaminfer.api.ApiException;
import dev.streaminfer.api.request.EmbeddingsBodyParser.EncodingFormat;
import dev.streaminfer.api.request.EmbeddingsBodyParser.ParsedEmbeddings;
import dev.streaminfer.contract.model.Priority;
import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.contract.validation.TokenCounter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EmbeddingsBodyParserTest {

    /** One token per word plus [CLS] and [SEP], like the real tokenizers for plain words. */
    private static final TokenCounter WORDS = text -> text.trim().split("\\s+").length + 2;

    private final EmbeddingsBodyParser parser =
            new EmbeddingsBodyParser(new InferenceBodyParser(ModelRegistry.bundled(), name -> WORDS));

    private ParsedEmbeddings parse(String body) {
        return parser.parse(body.getBytes(StandardCharsets.UTF_8));
    }

    private ApiError error(String body) {
        return catchThrowableOfType(ApiException.class, () -> parse(body)).error();
    }

    @Test
    void a_string_input_is_one_input_with_the_defaults() {
        ParsedEmbeddings p = parse("{\"model\":\"all-minilm-l6-v2-q\",\"input\":\"hello world\"}");
        assertThat(p.inference().inputs()).containsExactly("hello world");
        assertThat(p.inference().model()).isEqualTo("all-minilm-l6-v2-q");
        assertThat(p.inference().priority()).isEqualTo(Priority.NORMAL);
        assertThat(p.inference().inputTokens()).isEqualTo(4);
        assertThat(p.encodingFormat()).isEqualTo(EncodingFormat.FLOAT);
    }

    @Test
    void an_array_keeps_its_order_and_every_optional_field_is_read() {
        ParsedEmbeddings p = parse("{\"model\":\"bge-small-en-v15-q\",\"input\":[\"b c\",\"a\"],"
                + "\"encoding_format\":\"base64\",\"dimensions\":384,\"user\":\"someone-else\"}");
        assertThat(p.inference().inputs()).containsExactly("b c", "a");
        assertThat(p.inference().model()).isEqualTo("bge-small-en-v15-q");
        assertThat(p.inference().inputTokens()).isEqualTo(7);
        assertThat(p.encodingFormat()).isEqualTo(EncodingFormat.BASE64);
    }

    @Test
    void the_same_texts_ask_for_the_same_request_as_post_inference() {
        ParsedInference viaInference = new InferenceBodyParser(ModelRegistry.bundled(), name -> WORDS)
                .parse("{\"inputs\":[\"a\"]}".getBytes(StandardCharsets.UTF_8)).request();
        assertThat(parse("{\"input\":\"a\"}").inference().fingerprint()).isEqualTo(viaInference.fingerprint());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "not json              | {                                                  | 400 | not_json        |",
            "unknown field         | {\"input\":\"a\",\"inputs\":[\"a\"]}               | 400 | invalid_request | inputs",
            "unknown model         | {\"model\":\"text-embedding-3-small\",\"input\":\"a\"} | 404 | unknown_model | model",
            "model not a string    | {\"model\":1,\"input\":\"a\"}                      | 400 | wrong_type      | model",
            "input missing         | {\"model\":\"all-minilm-l6-v2-q\"}                 | 400 | missing_field   | input",
            "input a number        | {\"input\":5}                                      | 400 | wrong_type      | input",
            "token ids             | {\"input\":[101,2023,102]}                         | 400 | invalid_request | input",
            "arrays of token ids   | {\"input\":[[101,102]]}                            | 400 | invalid_request | input",
            "array item an object  | {\"input\":[\"a\",{}]}                             | 400 | wrong_type      | input",
            "empty array           | {\"input\":[]}                                     | 400 | invalid_request | input",
            "encoding unknown      | {\"input\":\"a\",\"encoding_format\":\"int8\"}     | 400 | invalid_request | encoding_format",
            "encoding not a string | {\"input\":\"a\",\"encoding_format\":1}            | 400 | invalid_request | encoding_format",
            "other dimensions      | {\"input\":\"a\",\"dimensions\":256}               | 400 | invalid_request | dimensions",
            "dimensions not int    | {\"input\":\"a\",\"dimensions\":\"384\"}           | 400 | wrong_type      | dimensions",
            "user not a string     | {\"input\":\"a\",\"user\":7}                       | 400 | wrong_type      | user",
    })
    void bad_bodies_name_the_field(String name, String body, int status, String code, String param) {
        ApiError e = error(body);
        assertThat(e.status()).as(name).isEqualTo(status);
        assertThat(e.code()).as(name).isEqualTo(code);
        assertThat(e.param()).as(name).isEqualTo(param);
    }

    @Test
    void too_many_and_too_long_inputs_are_the_api_s_usual_400s_on_input() {
        String many = "{\"input\":[" + "\"a\",".repeat(256) + "\"a\"]}";
        assertThat(error(many).code()).isEqualTo("too_many_inputs");
        assertThat(error(many).param()).isEqualTo("input");
        String longText = "{\"input\":\"" + "w ".repeat(300) + "\"}";
        assertThat(error(longText).code()).isEqualTo("input_too_long");
        assertThat(error(longText).param()).isEqualTo("input");
    }

    @Test
    void messages_never_echo_the_input_text() {
        assertThat(error("{\"input\":\"" + "secret ".repeat(300) + "\"}").message()).doesNotContain("secret");
    }
}
