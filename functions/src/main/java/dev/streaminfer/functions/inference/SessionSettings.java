package dev.streaminfer.functions.inference;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.Serializable;
import java.util.Objects;

/**
 * How ONNX Runtime sessions run. On a small CPU machine one intra-op thread per session with
 * several concurrent callers beats one caller using every core (measured: ~455 vs ~396 texts/s
 * on 2 cores), and degrades less under competing load, hence the default of 1. On a CUDA device
 * the intra-op threads only serve the few operators left on the CPU.
 */
public record SessionSettings(int intraOpThreads, ExecutionDevice device) implements Serializable {

    public SessionSettings {
        if (intraOpThreads < 1) {
            throw new IllegalArgumentException("intra-op threads must be at least 1, got " + intraOpThreads);
        }
        Objects.requireNonNull(device, "device");
    }

    /** CPU sessions with {@code intraOpThreads} threads each. */
    public SessionSettings(int intraOpThreads) {
        this(intraOpThreads, ExecutionDevice.cpu());
    }

    public static SessionSettings defaults() {
        return new SessionSettings(1);
    }

    public SessionSettings on(ExecutionDevice other) {
        return new SessionSettings(intraOpThreads, other);
    }

    OrtSession.SessionOptions toSessionOptions() throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(intraOpThreads);
        options.setInterOpNumThreads(1);
        options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        if (device.isCuda()) {
            options.addCUDA(device.index());
        }
        return options;
    }
}
