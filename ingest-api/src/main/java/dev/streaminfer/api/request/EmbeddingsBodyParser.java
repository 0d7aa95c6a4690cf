package dev.streaminfer.api.request;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streaminfer.api.ApiError;
import dev.streaminfer.api.ApiException;
import dev.streaminfer.contract.model.ErrorCode;
import dev.streaminfer.contract.model.Priority;
import dev.streaminfer.contract.registry.ModelSpec;
import dev.streaminfer.contract.validation.RequestLimits;
import java.util.Iterator;
import java.util.Set;

/**
 * Parses and validates an OpenAI-style {@code POST /v1/embeddings} body into the same
 * {@link ParsedInference} as {@code POST /v1/inference} (JSON limits, model lookup and input
 * validation are {@link InferenceBodyParser}'s). Every failure names the field at fault
 * ({@link ApiError#param()}).
 *
 * <ul>
 *   <li>{@code model}: a model of the registry (absent: the default one); unknown → 404.</li>
 *   <li>{@code input}: a string or a non-empty array of strings; arrays of token ids → 400 (the
 *       API counts and embeds text with the model's own tokenizer).</li>
 *   <li>{@code encoding_format}: {@code float} (default) or {@code base64}.</li>
 *   <li>{@code dimensions}: the models have one output size, so only that size is accepted.</li>
 *   <li>{@code user}: a string, accepted and ignored (the caller is who the API key says).</li>
 * </ul>
 */
public final class EmbeddingsBodyParser {

    static final Set<String> FIELDS = Set.of("model", "input", "encoding_format", "dimensions", "user");

    /** How the vectors are written in the response. */
    public enum EncodingFormat { FLOAT, BASE64 }

    /** A valid body: what to compute, and how to write it back. */
    public record ParsedEmbeddings(ParsedInference inference, EncodingFormat encodingFormat) {}

    private final InferenceBodyParser inference;

    public EmbeddingsBodyParser(InferenceBodyParser inference) {
        this.inference = inference;
    }

    /** @throws ApiException with the status and code of the rest of the API, and the field at fault */
    public ParsedEmbeddings parse(byte[] body) {
        JsonNode root = inference.readObject(body);
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw InferenceBodyParser.fail(ErrorCode.INVALID_REQUEST, "unknown field '"
                        + InferenceBodyParser.truncate(name) + "'; allowed: model, input, encoding_format, dimensions, user", name);
            }
        }
        ModelSpec spec = inference.model(root.get("model"));
        String[] inputs = inputs(root.get("input"));
        EncodingFormat format = encodingFormat(root.get("encoding_format"));
        JsonNode dimensions = root.get("dimensions");
        if (dimensions != null && !dimensions.isNull()) {
            if (!dimensions.isIntegralNumber()) {
                throw InferenceBodyParser.fail(ErrorCode.WRONG_TYPE, "dimensions must be an integer", "dimensions");
            }
            if (!dimensions.canConvertToInt() || dimensions.intValue() != spec.dimensions()) {
                throw InferenceBodyParser.fail(ErrorCode.INVALID_REQUEST, "model '" + spec.name()
                        + "' does not support dimensions other than its own " + spec.dimensions(), "dimensions");
            }
        }
        JsonNode user = root.get("user");
        if (user != null && !user.isNull() && !user.isTextual()) {
            throw InferenceBodyParser.fail(ErrorCode.WRONG_TYPE, "user must be a string", "user");
        }
        try {
            return new ParsedEmbeddings(
                    inference.validated(spec, inputs, Priority.NORMAL, RequestLimits.DEFAULT_TIMEOUT_MS), format);
        } catch (ApiException e) {
            throw e.error().withParam("input").exception();
        }
    }

    private static String[] inputs(JsonNode input) {
        if (input == null || input.isNull()) {
            throw InferenceBodyParser.fail(ErrorCode.MISSING_FIELD,
                    "input is required: a string or an array of strings", "input");
        }
        if (input.isTextual()) {
            return new String[] {input.textValue()};
        }
        if (!input.isArray()) {
            throw InferenceBodyParser.fail(ErrorCode.WRONG_TYPE, "input must be a string or an array of strings",
                    "input");
        }
        if (input.size() > RequestLimits.MAX_INPUTS) {
            throw InferenceBodyParser.tooManyInputs(input.size()).error().withParam("input").exception();
        }
        String[] texts = new String[input.size()];
        for (int i = 0; i < texts.length; i++) {
            JsonNode item = input.get(i);
            if (item.isIntegralNumber() || item.isArray()) {
                throw InferenceBodyParser.fail(ErrorCode.INVALID_REQUEST, "arrays of token ids are not supported;"
                        + " send the text as a string or an array of strings", "input");
            }
            if (!item.isTextual()) {
                throw InferenceBodyParser.fail(ErrorCode.WRONG_TYPE, "input[" + i + "] must be a string", "input");
            }
            texts[i] = item.textValue();
        }
        return texts;
    }

    private static EncodingFormat encodingFormat(JsonNode node) {
        if (node == null || node.isNull()) {
            return EncodingFormat.FLOAT;
        }
        if (node.isTextual()) {
            switch (node.textValue()) {
                case "float":
                    return EncodingFormat.FLOAT;
                case "base64":
                    return EncodingFormat.BASE64;
                default:
                    break;
            }
        }
        throw InferenceBodyParser.fail(ErrorCode.INVALID_REQUEST, "encoding_format must be float or base64",
                "encoding_format");
    }
}
