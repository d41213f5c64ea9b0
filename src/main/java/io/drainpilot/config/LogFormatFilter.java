package io.drainpilot.config;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;

/**
 * Lets an appender of logback.xml write only when it is the chosen log format ({@code DRAINPILOT_LOG_FORMAT}):
 * both appenders stay attached, so logback has nothing to warn about and prints no status lines of its own.
 */
public class LogFormatFilter extends Filter<ILoggingEvent> {
    private String format = "text";
    private String chosen = "text";

    /** The format this appender writes. */
    public void setFormat(String format) {
        this.format = format == null ? "" : format.trim();
    }

    /** The format chosen for the process. */
    public void setChosen(String chosen) {
        this.chosen = chosen == null || chosen.isBlank() ? "text" : chosen.trim();
    }

    @Override
    public FilterReply decide(ILoggingEvent event) {
        return format.equals(chosen) ? FilterReply.NEUTRAL : FilterReply.DENY;
    }
}
