package dev.streaminfer.k8s;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Renders kustomizations with {@code kubectl kustomize}, the way the README deploys them. */
final class Kustomize {

    private static final Map<String, List<Manifest>> RENDERED = new ConcurrentHashMap<>();

    private Kustomize() {}

    /** The overlays: every directory under k8s/overlays with a kustomization.yaml. */
    static List<String> overlays() {
        Path dir = Project.k8sDir().resolve("overlays");
        try (Stream<Path> children = Files.list(dir)) {
            return children.filter(p -> Files.isRegularFile(p.resolve("kustomization.yaml")))
                    .map(p -> "overlays/" + p.getFileName()).sorted().toList();
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + dir, e);
        }
    }

    /** The base and every overlay. */
    static List<String> targets() {
        List<String> all = new ArrayList<>();
        all.add("base");
        all.addAll(overlays());
        return all;
    }

    /** The objects {@code kubectl kustomize k8s/<target>} prints (cached per target). */
    static List<Manifest> render(String target) {
        return RENDERED.computeIfAbsent(target, t -> Manifest.parseAll(run(t), "kubectl kustomize k8s/" + t));
    }

    static String kubectl() {
        for (String candidate : new String[] {System.getProperty("streaminfer.kubectl"), System.getenv("KUBECTL")}) {
            if (candidate != null && !candidate.isBlank() && !candidate.startsWith("${")) {
                if (!Files.isExecutable(Path.of(candidate))) {
                    throw new AssertionError("KUBECTL=" + candidate + " is not an executable file");
                }
                return candidate;
            }
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, "kubectl");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        throw new AssertionError("kubectl is not installed: these tests render every overlay with `kubectl kustomize`"
                + " (kubectl 1.32 / kustomize 5.5 or newer). Install it with k8s/install-kubectl.sh, or point"
                + " KUBECTL at the binary. PATH=" + path);
    }

    private static String run(String target) {
        Path dir = Project.k8sDir().resolve(target);
        List<String> command = List.of(kubectl(), "kustomize", dir.toString());
        try {
            Process process = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            CompletableFuture<String> out = drain(process.getInputStream());
            CompletableFuture<String> err = drain(process.getErrorStream());
            if (!process.waitFor(180, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish within 180 s");
            }
            if (process.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " failed (exit " + process.exitValue() + "):\n" + err.join());
            }
            return out.join();
        } catch (IOException e) {
            throw new AssertionError("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static CompletableFuture<String> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try (in) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                return "(cannot read: " + e.getMessage() + ")";
            }
        });
    }
}
