package dev.streaminfer.cluster;

import java.util.Arrays;

/**
 * The main class of every JVM a {@link StandaloneCluster} starts: it ends the process when the
 * process that started it is gone (also after a {@code kill -9}, which runs no shutdown hook), so
 * no JobManager or TaskManager outlives its launcher; then it runs Flink's entry point.
 *
 * <p>Arguments: the launcher's pid, the entry point's class, then the entry point's arguments.
 */
public final class ChildProcess {

    private ChildProcess() {}

    public static void main(String[] args) throws Exception {
        long launcher = Long.parseLong(args[0]);
        ProcessHandle.of(launcher).ifPresentOrElse(
                parent -> parent.onExit().thenRun(ChildProcess::exitOrphaned),
                ChildProcess::exitOrphaned);
        Class.forName(args[1]).getMethod("main", String[].class)
                .invoke(null, (Object) Arrays.copyOfRange(args, 2, args.length));
    }

    /** Exits through Flink's shutdown hooks; halts if they do not finish within 30 s. */
    private static void exitOrphaned() {
        Thread halt = new Thread(() -> {
            try {
                Thread.sleep(30_000);
            } catch (InterruptedException ignored) {
                // exiting anyway
            }
            Runtime.getRuntime().halt(1);
        }, "orphan-halt");
        halt.setDaemon(true);
        halt.start();
        System.exit(1);
    }
}
