package dev.streaminfer.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL from the distribution's binaries ({@code /usr/lib/postgresql/<version>/bin},
 * Debian/Ubuntu package {@code postgresql}): {@code initdb} once, then {@code pg_ctl start/stop}.
 * When the JVM runs as root they run as the {@code postgres} OS user through
 * {@code runuser -u postgres --} (PostgreSQL refuses to run as root); the only change made to the
 * system is handing the data folders to that user, which must be able to enter every parent
 * folder (see {@link #accessProblem(Path)}).
 */
final class SystemPostgres implements PostgresServer {

    static final String OS_USER = "postgres";

    private static final Logger LOG = LoggerFactory.getLogger(LocalPostgres.class);
    private static final Path DEBIAN_ROOT = Path.of("/usr/lib/postgresql");
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(90);

    private final Layout layout;
    private final Path binDir;

    SystemPostgres(Layout layout, Path binDir) {
        this.layout = layout;
        this.binDir = binDir;
    }

    /**
     * Why the binaries {@code bin} (from {@link #binariesFor(Path)}) cannot serve, or empty if
     * they can.
     */
    static Optional<String> whyUnusable(Optional<Path> bin) {
        if (bin.isEmpty()) {
            return Optional.of("no PostgreSQL binaries in " + DEBIAN_ROOT + "/<version>/bin");
        }
        if (Os.isRoot() && !osUserExists()) {
            return Optional.of("the JVM runs as root but there is no OS user '" + OS_USER + "' to run " + bin.get() + " as");
        }
        if (Os.isRoot() && Os.onPath("runuser").isEmpty()) {
            return Optional.of("the JVM runs as root but 'runuser' (util-linux) is not on PATH");
        }
        return Optional.empty();
    }

    /** The binaries matching an existing cluster's major version if installed, else the newest. */
    static Optional<Path> binariesFor(Path dataDir) {
        List<Path> dirs = binaryDirs();
        Path versionFile = dataDir.resolve("PG_VERSION");
        if (Files.isRegularFile(versionFile)) {
            try {
                String clusterVersion = Files.readString(versionFile, StandardCharsets.UTF_8).strip();
                Optional<Path> match = dirs.stream()
                        .filter(bin -> bin.getParent().getFileName().toString().equals(clusterVersion))
                        .findFirst();
                if (match.isPresent()) {
                    return match;
                }
            } catch (IOException ignored) {
                // fall through to the newest
            }
        }
        return dirs.stream().findFirst();
    }

    /** Every {@code /usr/lib/postgresql/<version>/bin} with {@code pg_ctl} and {@code initdb}, newest first. */
    static List<Path> binaryDirs() {
        if (!Files.isDirectory(DEBIAN_ROOT)) {
            return List.of();
        }
        List<Path> dirs = new ArrayList<>();
        try (DirectoryStream<Path> versions = Files.newDirectoryStream(DEBIAN_ROOT)) {
            for (Path version : versions) {
                Path bin = version.resolve("bin");
                if (Files.isExecutable(bin.resolve("pg_ctl")) && Files.isExecutable(bin.resolve("initdb"))) {
                    dirs.add(bin);
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        dirs.sort(Comparator.comparingDouble((Path bin) -> versionOf(bin.getParent().getFileName().toString())).reversed());
        return dirs;
    }

    /** See {@link LocalPostgres#accessProblem(Path)}. */
    static Optional<String> accessProblem(Path dir) {
        if (!Os.isRoot()) {
            return Optional.empty();
        }
        Path absolute = dir.toAbsolutePath().normalize();
        List<Path> chain = new ArrayList<>();
        for (Path p = absolute.getParent(); p != null; p = p.getParent()) {
            chain.add(0, p);
        }
        for (Path p : chain) {
            if (!Files.exists(p)) {
                break;
            }
            try {
                PosixFileAttributes attrs = Files.readAttributes(p, PosixFileAttributes.class);
                boolean ownedByPostgres = OS_USER.equals(attrs.owner().getName());
                boolean othersMayEnter = attrs.permissions().contains(PosixFilePermission.OTHERS_EXECUTE);
                if (!ownedByPostgres && !othersMayEnter) {
                    return Optional.of("PostgreSQL runs as OS user '" + OS_USER + "' (it refuses to run as root), and that"
                            + " user cannot enter " + p + " (owner " + attrs.owner().getName() + ", mode "
                            + PosixFilePermissions.toString(attrs.permissions()) + "), a parent of "
                            + absolute + ". Put the data under a folder it can enter (for example /var/tmp or /tmp), or"
                            + " run: chmod o+x " + p);
                }
            } catch (IOException e) {
                return Optional.of("cannot read the permissions of " + p + ": " + e.getMessage());
            }
        }
        return Optional.empty();
    }

    @Override
    public String description() {
        return "PostgreSQL from " + binDir;
    }

    @Override
    public void start() {
        prepareDirectories();
        Path socketDir = ownedByOsUser(layout.socketDir());
        Path dataDir = layout.dataDir();
        if (!Files.isRegularFile(dataDir.resolve("PG_VERSION"))) {
            long t0 = System.nanoTime();
            Os.runChecked(asOsUser("initdb", "-D", dataDir.toString(),
                    "-A", "trust", "-N", "-U", Layout.SUPERUSER, "-E", "UTF8", "--locale=C"), layout.baseDir(), COMMAND_TIMEOUT);
            LOG.info("Initialised PostgreSQL cluster in {} in {} ms", dataDir, (System.nanoTime() - t0) / 1_000_000);
        }
        stopStale();
        StringBuilder options = new StringBuilder()
                .append("-p ").append(layout.port())
                .append(" -k '").append(socketDir).append("'")
                .append(" -c listen_addresses=127.0.0.1")
                .append(" -c max_connections=300");
        if (!layout.durable()) {
            options.append(" -c fsync=off -c synchronous_commit=off -c full_page_writes=off");
        }
        Os.Result result = Os.run(asOsUser("pg_ctl", "-D", dataDir.toString(), "-l", layout.logFile().toString(),
                "-w", "-t", "60", "-o", options.toString(), "start"), layout.baseDir(), COMMAND_TIMEOUT);
        if (result.exitCode() != 0) {
            throw new IllegalStateException("PostgreSQL (" + binDir + ") failed to start on 127.0.0.1:" + layout.port()
                    + " with data in " + dataDir + ": " + result.output() + "\n--- last lines of " + layout.logFile()
                    + " ---\n" + Os.tail(layout.logFile(), 20));
        }
    }

    @Override
    public void stop() {
        Os.runChecked(pgCtlStop(), layout.baseDir(), COMMAND_TIMEOUT);
    }

    @Override
    public void stopStale() {
        if (!layout.hasPidFile()) {
            return;
        }
        Os.Result status = Os.run(asOsUser("pg_ctl", "status", "-D", layout.dataDir().toString()),
                layout.baseDir(), COMMAND_TIMEOUT);
        if (status.exitCode() == 0) {
            OptionalLong pid = Os.readPid(layout.pidFile());
            LOG.warn("A PostgreSQL server (pid {}) is still running on {}, probably left behind by a JVM that was killed;"
                    + " stopping it before starting a new one", pid.isPresent() ? pid.getAsLong() : "?", layout.dataDir());
            Os.runChecked(pgCtlStop(), layout.baseDir(), COMMAND_TIMEOUT);
        } else {
            layout.removeStalePidFile();
        }
    }

    // ----------------------------------------------------------------------------------------

    private List<String> pgCtlStop() {
        return asOsUser("pg_ctl", "-D", layout.dataDir().toString(), "-m", "fast", "-w", "-t", "60", "stop");
    }

    /** {@code program} from {@link #binDir}, through {@code runuser -u postgres --} when the JVM is root. */
    private List<String> asOsUser(String program, String... args) {
        List<String> full = new ArrayList<>();
        if (Os.isRoot()) {
            full.addAll(List.of("runuser", "-u", OS_USER, "--"));
        }
        full.add(binDir.resolve(program).toString());
        full.addAll(List.of(args));
        return full;
    }

    /** Creates the folders and, as root, hands them to the postgres user. */
    private void prepareDirectories() {
        Path baseDir = layout.baseDir();
        Path dataDir = layout.dataDir();
        try {
            Files.createDirectories(baseDir);
            if (Os.isRoot()) {
                Optional<String> problem = accessProblem(baseDir);
                if (problem.isPresent()) {
                    throw new IllegalStateException("cannot start PostgreSQL with data in " + dataDir + ": " + problem.get());
                }
                UserPrincipal postgres = osUser();
                boolean dataExisted = Files.isDirectory(dataDir);
                Files.createDirectories(dataDir);
                Files.setOwner(baseDir, postgres);
                if (dataExisted && !OS_USER.equals(Files.getOwner(dataDir, LinkOption.NOFOLLOW_LINKS).getName())) {
                    Os.runChecked(List.of("chown", "-R", OS_USER + ":", dataDir.toString()), null, COMMAND_TIMEOUT);
                } else {
                    Files.setOwner(dataDir, postgres);
                }
                if (Files.exists(layout.logFile())) {
                    Files.setOwner(layout.logFile(), postgres);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare PostgreSQL folders under " + baseDir + ": " + e.getMessage(), e);
        }
    }

    /** As root, hands the socket folder to the postgres user, who creates the socket in it. */
    private static Path ownedByOsUser(Path socketDir) {
        if (Os.isRoot()) {
            try {
                Files.setOwner(socketDir, osUser());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create PostgreSQL socket folder " + socketDir, e);
            }
        }
        return socketDir;
    }

    private static UserPrincipal osUser() throws IOException {
        return Path.of("/").getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(OS_USER);
    }

    private static boolean osUserExists() {
        try {
            osUser();
            return true;
        } catch (IOException e) { // UserPrincipalNotFoundException included
            return false;
        }
    }

    private static double versionOf(String name) {
        try {
            return Double.parseDouble(name);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
