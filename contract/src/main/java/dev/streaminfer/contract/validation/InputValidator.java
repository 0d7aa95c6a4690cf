package dev.streaminfer.contract.validation;

import dev.streaminfer.contract.model.ErrorCode;

/**
 * Checks a request's inputs against the model's limits and counts their tokens. The API uses it
 * to refuse early and the job to decide authoritatively, so both agree on every input.
 */
public final class InputValidator {

    /** Either the total token count or the first failure. */
    public record Outcome(int totalTokens, ValidationFailure failure) {
        public boolean isValid() {
            return failure == null;
        }
    }

    private InputValidator() {}

    public static Outcome validate(String[] inputs, int maxInputTokens, TokenCounter counter) {
        if (inputs == null || inputs.length == 0) {
            return failed(ErrorCode.INVALID_REQUEST, "inputs must be a non-empty array of strings");
        }
        if (inputs.length > RequestLimits.MAX_INPUTS) {
            return failed(ErrorCode.TOO_MANY_INPUTS,
                    "at most " + RequestLimits.MAX_INPUTS + " inputs per request, got " + inputs.length);
        }
        int total = 0;
        for (int i = 0; i < inputs.length; i++) {
            String text = inputs[i];
            if (text == null || text.isBlank()) {
                return failed(ErrorCode.INVALID_REQUEST, "inputs[" + i + "] must be a non-blank string");
            }
            int tokens = counter.countTokens(text);
            if (tokens > maxInputTokens) {
                return failed(ErrorCode.INPUT_TOO_LONG, "inputs[" + i + "] has " + tokens
                        + " tokens; the model accepts at most " + maxInputTokens);
            }
            total += tokens;
        }
        return new Outcome(total, null);
    }

    private static Outcome failed(ErrorCode code, String message) {
        return new Outcome(0, new ValidationFailure(code, message));
    }
}
