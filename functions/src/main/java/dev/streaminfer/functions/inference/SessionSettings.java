package dev.streaminfer.functions.inference;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.Serializable;

/**
 * How ONNX Runtime sessions run. On a small CPU machine one intra-op thread per session with
 * several concurrent callers beats one caller using every core (measured: ~455 vs ~396 texts/s
 * on 2 cores), and degrades less under competing load, hence the default of 1.
 */
public record SessionSettings(int intraOpThreads) implements Serializable {

    public static SessionSettings defaults() {
        return new SessionSettings(1);
    }

    OrtSession.SessionOptions toSessionOptions() throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(intraOpThreads);
        options.setInterOpNumThreads(1);
        options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        return options;
    }
}
