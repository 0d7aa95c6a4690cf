package dev.streaminfer.localstack;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the quickstart's services until Ctrl-C: Kafka on 19092, PostgreSQL on 15432, Redis on
 * 16379, data kept in {@code .local-stack/} of the working directory (or the folder given as the
 * first argument), each replaceable by an external service through the usual environment
 * variables. Prints the endpoints and writes them to {@code <folder>/endpoints.env} so scripts
 * can {@code source} it.
 */
public final class LocalStackMain {

    private LocalStackMain() {}

    public static void main(String[] args) throws InterruptedException {
        Path baseDir = Path.of(args.length > 0 ? args[0] : ".local-stack").toAbsolutePath().normalize();
        LocalStack stack = LocalStack.fromEnvironment(baseDir);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("Stopping the local stack...");
            stack.close();
            stopped.countDown();
        }, "local-stack-shutdown"));
        ServiceEndpoints endpoints;
        try {
            endpoints = stack.start();
        } catch (RuntimeException e) {
            System.err.println("The local stack failed to start: " + e.getMessage());
            e.printStackTrace();
            System.exit(1);
            return;
        }
        Path envFile = baseDir.resolve("endpoints.env");
        LocalStack.writeEnvFile(endpoints, envFile);
        System.out.println("Local stack is up (data in " + baseDir + "):");
        endpoints.asEnvironment().forEach((k, v) -> System.out.println("  " + k + "=" + v));
        System.out.println("Endpoints written to " + envFile + ". Press Ctrl-C to stop.");
        stopped.await();
    }
}
