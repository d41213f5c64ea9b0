package io.drainpilot.observe;

import org.apache.camel.Exchange;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;

import java.time.Clock;

/**
 * Tells {@link DrainMetrics#scanCompleted} when an exchange of the {@code scan} route ends without an exception, caught
 * or not (the routes' error handler catches API errors, so "not failed" alone would count a scan that could not
 * list the nodes). Watching the route's exchanges keeps the route file and the scanner free of metrics code.
 */
public class ScanCompletions extends EventNotifierSupport {
    static final String SCAN_ROUTE = "scan";

    private final DrainMetrics metrics;
    private final Clock clock;

    public ScanCompletions(DrainMetrics metrics, Clock clock) {
        this.metrics = metrics;
        this.clock = clock;
        setIgnoreCamelContextEvents(true);
        setIgnoreRouteEvents(true);
        setIgnoreServiceEvents(true);
        setIgnoreExchangeCreatedEvent(true);
        setIgnoreExchangeSendingEvents(true);
        setIgnoreExchangeSentEvents(true);
        setIgnoreExchangeRedeliveryEvents(true);
        setIgnoreStepEvents(true);
    }

    @Override
    public boolean isEnabled(CamelEvent event) {
        return event instanceof CamelEvent.ExchangeCompletedEvent;
    }

    @Override
    public void notify(CamelEvent event) {
        Exchange exchange = ((CamelEvent.ExchangeCompletedEvent) event).getExchange();
        if (SCAN_ROUTE.equals(exchange.getFromRouteId()) && exchange.getException() == null
                && exchange.getProperty(Exchange.EXCEPTION_CAUGHT) == null) {
            metrics.scanCompleted(clock.instant());
        }
    }
}
