package dev.streaminfer.functions.inference;

import java.io.Serializable;

/** Where an ONNX Runtime session runs: the CPU, or one CUDA GPU by its index. */
public record ExecutionDevice(Kind kind, int index) implements Serializable {

    public enum Kind { CPU, CUDA }

    public static ExecutionDevice cpu() {
        return new ExecutionDevice(Kind.CPU, -1);
    }

    public static ExecutionDevice cuda(int index) {
        if (index < 0) {
            throw new IllegalArgumentException("a CUDA device index is 0 or more, got " + index);
        }
        return new ExecutionDevice(Kind.CUDA, index);
    }

    public boolean isCuda() {
        return kind == Kind.CUDA;
    }

    @Override
    public String toString() {
        return isCuda() ? "cuda:" + index : "cpu";
    }
}
