package dev.streaminfer.it;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

/**
 * Captures every log line of the JVM that runs the API and the job's MiniCluster while installed:
 * all loggers at their configured level, and the project's own ({@code dev.streaminfer}) at INFO,
 * with the MDC, so a test can prove that keys and input texts never reach the logs.
 */
final class LogScan extends AbstractAppender implements AutoCloseable {

    private static final String PROJECT = "dev.streaminfer";

    final List<String> lines = new CopyOnWriteArrayList<>();
    private final boolean addedProjectLogger;

    LogScan() {
        super("log-scan", null, null, true, Property.EMPTY_ARRAY);
        start();
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        Configuration config = ctx.getConfiguration();
        addedProjectLogger = !config.getLoggers().containsKey(PROJECT);
        if (addedProjectLogger) {
            config.addLogger(PROJECT, new LoggerConfig(PROJECT, Level.INFO, true));
        }
        config.getRootLogger().addAppender(this, null, null);
        config.getLoggers().values().forEach(l -> l.addAppender(this, null, null));
        ctx.updateLoggers();
    }

    @Override
    public void append(LogEvent event) {
        StringBuilder b = new StringBuilder(event.getLoggerName()).append(' ')
                .append(event.getMessage().getFormattedMessage());
        if (!event.getContextData().isEmpty()) {
            b.append(' ').append(event.getContextData());
        }
        for (Throwable t = event.getThrown(); t != null; t = t.getCause()) {
            b.append(" | ").append(t);
        }
        lines.add(b.toString());
    }

    @Override
    public void close() {
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        Configuration config = ctx.getConfiguration();
        config.getRootLogger().removeAppender(getName());
        config.getLoggers().values().forEach(l -> l.removeAppender(getName()));
        if (addedProjectLogger) {
            config.removeLogger(PROJECT);
        }
        ctx.updateLoggers();
        stop();
    }
}
