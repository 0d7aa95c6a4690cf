package dev.streaminfer.api;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.Property;

/** Collects every formatted log line (all loggers) while installed, to prove secrets never get there. */
final class LogCapture extends AbstractAppender implements AutoCloseable {

    final List<String> lines = new CopyOnWriteArrayList<>();

    LogCapture() {
        super("capture", null, null, true, Property.EMPTY_ARRAY);
        start();
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        Configuration config = ctx.getConfiguration();
        config.getRootLogger().addAppender(this, null, null);
        config.getLoggers().values().forEach(l -> l.addAppender(this, null, null));
        ctx.updateLoggers();
    }

    @Override
    public void append(LogEvent event) {
        StringBuilder b = new StringBuilder(event.getMessage().getFormattedMessage());
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
        ctx.updateLoggers();
        stop();
    }
}
