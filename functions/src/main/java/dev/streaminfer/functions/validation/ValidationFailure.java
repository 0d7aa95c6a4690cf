package dev.streaminfer.functions.validation;

import dev.streaminfer.functions.model.ErrorCode;

/** Why a request was refused, in words a client can act on (never echoing the input text). */
public record ValidationFailure(ErrorCode code, String message) {}
