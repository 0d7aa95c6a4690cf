package dev.streaminfer.functions.inference;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides where a subtask's sessions run, from the configured device, the GPUs Flink assigned to
 * the task (its {@code gpu} external resource) and the execution providers of the ONNX Runtime on
 * the classpath. Never fails: anything missing for CUDA falls back to the CPU, with the reason.
 */
public final class DeviceSelection {

    private static final Logger LOG = LoggerFactory.getLogger(DeviceSelection.class);

    /** The external resource name Flink's GPU plugin is configured under ({@code external-resources: gpu}). */
    public static final String GPU_RESOURCE = "gpu";
    /** The property Flink's GPU driver sets on each assigned GPU. */
    public static final String INDEX_PROPERTY = "index";

    /** The configured device ({@code streaminfer.inference.device}). */
    public enum Preference {
        /** Always the CPU. */
        CPU,
        /** CUDA on the GPU Flink assigned; CPU with a warning when there is none. */
        CUDA,
        /** CUDA when Flink assigned a GPU and the CUDA provider is present, else the CPU (no warning). */
        AUTO;

        public static Preference parse(String value) {
            try {
                return valueOf(value.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException | NullPointerException e) {
                throw new IllegalArgumentException("device must be cpu, cuda or auto, got: " + value);
            }
        }
    }

    /**
     * The outcome.
     *
     * @param device   where sessions run
     * @param reason   one line for the log, saying why
     * @param degraded true when CUDA was asked for explicitly but the CPU is used
     */
    public record Selection(ExecutionDevice device, String reason, boolean degraded) {}

    private DeviceSelection() {}

    /**
     * Where a subtask's sessions run, logged with the reason (at WARN when CUDA was asked for and
     * the CPU is used); {@code option} names the setting in the log.
     */
    public static ExecutionDevice selectAndLog(Preference preference, Set<ExternalResourceInfo> assignedGpus,
                                               String option) {
        Selection selection = select(preference, assignedGpus, installedProviders());
        if (selection.degraded()) {
            LOG.warn("{} ({}=cuda)", selection.reason(), option);
        } else {
            LOG.info("{}", selection.reason());
        }
        return selection.device();
    }

    /** The execution providers of the ONNX Runtime on the classpath; the CPU alone if they cannot be listed. */
    static Set<OrtProvider> installedProviders() {
        try {
            return OrtEnvironment.getAvailableProviders();
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("cannot list ONNX Runtime execution providers: {}", e.toString());
            return EnumSet.of(OrtProvider.CPU);
        }
    }

    public static Selection select(Preference preference, Set<ExternalResourceInfo> assignedGpus,
                                   Set<OrtProvider> availableProviders) {
        if (preference == Preference.CPU) {
            return new Selection(ExecutionDevice.cpu(), "inference device: cpu (configured)", false);
        }
        boolean explicit = preference == Preference.CUDA;
        OptionalInt index = firstIndex(assignedGpus);
        if (index.isEmpty()) {
            String why = assignedGpus.isEmpty()
                    ? "Flink assigned no GPU to this task (external resource '" + GPU_RESOURCE + "' not configured or none left)"
                    : "the GPU Flink assigned has no valid '" + INDEX_PROPERTY + "' property";
            return new Selection(ExecutionDevice.cpu(), "inference device: cpu, because " + why, explicit);
        }
        if (!availableProviders.contains(OrtProvider.CUDA)) {
            return new Selection(ExecutionDevice.cpu(), "inference device: cpu, because this ONNX Runtime has no CUDA"
                    + " execution provider (build with -Pgpu for onnxruntime_gpu); GPU " + index.getAsInt() + " stays unused",
                    explicit);
        }
        return new Selection(ExecutionDevice.cuda(index.getAsInt()),
                "inference device: cuda:" + index.getAsInt() + " (CUDA execution provider on the GPU Flink assigned)", false);
    }

    /** The lowest valid index among the assigned GPUs. */
    static OptionalInt firstIndex(Set<ExternalResourceInfo> gpus) {
        return gpus.stream()
                .map(info -> info.getProperty(INDEX_PROPERTY))
                .flatMap(Optional::stream)
                .map(DeviceSelection::parseIndex)
                .flatMap(Optional::stream)
                .min(Comparator.naturalOrder())
                .map(OptionalInt::of)
                .orElse(OptionalInt.empty());
    }

    private static Optional<Integer> parseIndex(String value) {
        try {
            int i = Integer.parseInt(value.trim());
            return i >= 0 ? Optional.of(i) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
