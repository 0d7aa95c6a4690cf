package dev.streaminfer.contract.validation;

import dev.streaminfer.contract.model.ErrorCode;

/** Why a request was refused, in words a client can act on (never echoing the input text). */
public record ValidationFailure(ErrorCode code, String message) {}
