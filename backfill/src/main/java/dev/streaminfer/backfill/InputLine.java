package dev.streaminfer.backfill;

/** One line of the input file as read, numbered from 1. */
public record InputLine(long number, String text) {}
