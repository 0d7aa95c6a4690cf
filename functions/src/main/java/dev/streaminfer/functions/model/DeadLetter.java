package dev.streaminfer.functions.model;

import dev.streaminfer.contract.model.ErrorCode;

/** A record the job could not accept, with why ({@code reason} is an {@link ErrorCode} code). */
public record DeadLetter(RawRecord source, String reason, String detail) {}
