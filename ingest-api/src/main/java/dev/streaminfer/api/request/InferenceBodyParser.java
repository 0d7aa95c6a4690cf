package dev.streaminfer.api.request;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.streaminfer.api.ApiError;
import dev.streaminfer.api.ApiException;
import dev.streaminfer.contract.registry.ModelRegistry;
import dev.streaminfer.contract.registry.ModelSpec;
import dev.streaminfer.contract.model.ErrorCode;
import dev.streaminfer.contract.model.Priority;
import dev.streaminfer.contract.serde.Json;
import dev.streaminfer.contract.validation.InputValidator;
import dev.streaminfer.contract.validation.RequestLimits;
import dev.streaminfer.contract.validation.TokenCounter;
import java.io.IOException;
import java.util.Iterator;
import java.util.Set;
import java.util.function.Function;

/**
 * Parses and validates a {@code POST /v1/inference} body. Every failure is an {@link ApiError}
 * with the status and code of DESIGN.md; messages name the field, never echo input text.
 *
 * <p>Order: JSON within the {@link Json} stream limits → an object with known fields only →
 * {@code model} (404 if unknown) → {@code inputs} shape → {@code priority} → {@code timeout_ms}
 * → count and token length of the inputs with the model's own tokenizer
 * ({@link InputValidator}, shared with the job).
 */
public final class InferenceBodyParser {

    static final Set<String> FIELDS = Set.of("model", "inputs", "priority", "timeout_ms");

    /** The shared limits of {@link Json}, plus: one JSON value only, and no duplicate keys. */
    static final ObjectReader STRICT = Json.mapper().readerFor(JsonNode.class)
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .with(StreamReadFeature.STRICT_DUPLICATE_DETECTION);

    private final ModelRegistry registry;
    private final Function<String, TokenCounter> tokenizers;

    /**
     * @param tokenizers the shared, loaded-once tokenizer of each model in {@code registry}
     */
    public InferenceBodyParser(ModelRegistry registry, Function<String, TokenCounter> tokenizers) {
        this.registry = registry;
        this.tokenizers = tokenizers;
    }

    /** Either the parsed request or why not. */
    public record Outcome(ParsedInference request, ApiError error) {
        public boolean isValid() {
            return error == null;
        }
    }

    public Outcome parse(byte[] body) {
        try {
            return new Outcome(parseOrThrow(body), null);
        } catch (ApiException e) {
            return new Outcome(null, e.error());
        }
    }

    private ParsedInference parseOrThrow(byte[] body) {
        JsonNode root = readObject(body);
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw fail(ErrorCode.INVALID_REQUEST, "unknown field '" + truncate(name)
                        + "'; allowed: model, inputs, priority, timeout_ms");
            }
        }
        ModelSpec spec = model(root.get("model"));

        JsonNode inputsNode = root.get("inputs");
        if (inputsNode == null || inputsNode.isNull()) {
            throw fail(ErrorCode.MISSING_FIELD, "inputs is required: a non-empty array of strings");
        }
        if (!inputsNode.isArray()) {
            throw fail(ErrorCode.WRONG_TYPE, "inputs must be an array of strings");
        }
        if (inputsNode.size() > RequestLimits.MAX_INPUTS) {
            throw tooManyInputs(inputsNode.size());
        }
        String[] inputs = new String[inputsNode.size()];
        for (int i = 0; i < inputs.length; i++) {
            JsonNode item = inputsNode.get(i);
            if (!item.isTextual()) {
                throw fail(ErrorCode.WRONG_TYPE, "inputs[" + i + "] must be a string");
            }
            inputs[i] = item.textValue();
        }

        Priority priority = Priority.NORMAL;
        JsonNode priorityNode = root.get("priority");
        if (priorityNode != null && !priorityNode.isNull()) {
            if (!priorityNode.isTextual() || Priority.fromWireName(priorityNode.textValue()).isEmpty()) {
                throw fail(ErrorCode.INVALID_REQUEST, "priority must be one of " + Priority.WIRE_NAMES);
            }
            priority = Priority.fromWireName(priorityNode.textValue()).get();
        }

        long timeoutMs = RequestLimits.DEFAULT_TIMEOUT_MS;
        JsonNode timeout = root.get("timeout_ms");
        if (timeout != null && !timeout.isNull()) {
            if (!timeout.isIntegralNumber() || !timeout.canConvertToLong()) {
                throw fail(ErrorCode.WRONG_TYPE, "timeout_ms must be an integer number of milliseconds");
            }
            timeoutMs = timeout.longValue();
            if (timeoutMs < RequestLimits.MIN_TIMEOUT_MS || timeoutMs > RequestLimits.MAX_TIMEOUT_MS) {
                throw fail(ErrorCode.INVALID_REQUEST, "timeout_ms must be between "
                        + RequestLimits.MIN_TIMEOUT_MS + " and " + RequestLimits.MAX_TIMEOUT_MS);
            }
        }
        return validated(spec, inputs, priority, timeoutMs);
    }

    /**
     * The body as a JSON object, read within the {@link Json} stream limits (one value, no
     * duplicate keys).
     *
     * @throws ApiException 400 {@code not_json}, {@code invalid_request} (a limit) or {@code wrong_type}
     */
    JsonNode readObject(byte[] body) {
        if (body == null || body.length == 0) {
            throw fail(ErrorCode.NOT_JSON, "the body is empty; expected a JSON object");
        }
        JsonNode root;
        try {
            root = STRICT.readTree(body);
        } catch (StreamConstraintsException e) {
            throw fail(ErrorCode.INVALID_REQUEST,
                    "the JSON exceeds a limit (nesting depth " + Json.MAX_NESTING_DEPTH + ", number length "
                            + Json.MAX_NUMBER_LENGTH + ")");
        } catch (JsonProcessingException e) {
            if (e.getCause() instanceof StreamConstraintsException) {
                throw fail(ErrorCode.INVALID_REQUEST, "the JSON exceeds a parser limit");
            }
            throw fail(ErrorCode.NOT_JSON, "the body is not valid JSON (line "
                    + (e.getLocation() == null ? "?" : e.getLocation().getLineNr()) + ")");
        } catch (IOException | RuntimeException e) {
            throw fail(ErrorCode.NOT_JSON, "the body is not valid JSON");
        }
        if (root == null || root.isMissingNode()) {
            throw fail(ErrorCode.NOT_JSON, "the body is empty; expected a JSON object");
        }
        if (!root.isObject()) {
            throw fail(ErrorCode.WRONG_TYPE, "the body must be a JSON object");
        }
        return root;
    }

    /**
     * The model a {@code model} field names; absent or null: the default model.
     *
     * @throws ApiException 400 {@code wrong_type}, 404 {@code unknown_model} (param {@code model})
     */
    ModelSpec model(JsonNode model) {
        String modelName = registry.defaultModel();
        if (model != null && !model.isNull()) {
            if (!model.isTextual()) {
                throw fail(ErrorCode.WRONG_TYPE, "model must be a string", "model");
            }
            modelName = model.textValue();
        }
        ModelSpec spec = registry.find(modelName).orElse(null);
        if (spec == null) {
            throw fail(ErrorCode.UNKNOWN_MODEL, "unknown model '" + truncate(modelName) + "'; see GET /v1/models",
                    "model");
        }
        return spec;
    }

    /**
     * Count and token length of the inputs, checked with the model's own tokenizer
     * ({@link InputValidator}, shared with the job).
     *
     * @throws ApiException 400 {@code too_many_inputs}, {@code input_too_long}, ...
     */
    ParsedInference validated(ModelSpec spec, String[] inputs, Priority priority, long timeoutMs) {
        InputValidator.Outcome checked =
                InputValidator.validate(inputs, spec.maxInputTokens(), tokenizers.apply(spec.name()));
        if (!checked.isValid()) {
            throw ApiError.of(checked.failure().code(), checked.failure().message()).exception();
        }
        return new ParsedInference(spec.name(), inputs, priority, timeoutMs, checked.totalTokens());
    }

    static ApiException tooManyInputs(int count) {
        return fail(ErrorCode.TOO_MANY_INPUTS, "at most " + RequestLimits.MAX_INPUTS + " inputs per request, got "
                + count);
    }

    static ApiException fail(ErrorCode code, String message) {
        return ApiError.of(code, message).exception();
    }

    static ApiException fail(ErrorCode code, String message, String param) {
        return ApiError.of(code, message).withParam(param).exception();
    }

    /** Field and model names are echoed (they are not input text) but bounded and printable. */
    static String truncate(String s) {
        String cut = s.length() > 64 ? s.substring(0, 64) + "…" : s;
        StringBuilder b = new StringBuilder(cut.length());
        for (int i = 0; i < cut.length(); i++) {
            char ch = cut.charAt(i);
            b.append(ch < ' ' || ch == 127 ? '?' : ch);
        }
        return b.toString();
    }
}
