package dev.streaminfer.api.service;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One {@code GET /v1/requests/{id}/events} stream: sends the request's document as a
 * {@code status} event each time its status differs from the last one sent, and ends after the
 * job's final result document ({@link #finish}). Only the job's document ends a stream: what the
 * API shows after a cancel is not final until the job confirms it (or completed the request
 * first, which then is the last event). Documents may arrive more than once and from several
 * sources; only changes go out, and nothing after the end. Plain logic, thread-safe.
 */
public final class StatusStream {

    /** Where events go: an SSE connection in the API, a list in tests. */
    public interface Sink {
        /** @return false if the client is gone (the stream then ends) */
        boolean send(String event, String data);

        /** @return false if the client is gone */
        boolean comment(String text);

        void close();
    }

    public static final String EVENT = "status";

    private final Sink sink;
    private String lastStatus;
    /** Events may still go out: not ended, and the client has not been found gone. */
    private boolean open = true;
    private boolean closed;

    public StatusStream(Sink sink) {
        this.sink = sink;
    }

    /**
     * The request's current document, as the caller sees it; returns whether the stream is still
     * open. A client found gone is not closed here: its owner lets go of what it holds for the
     * stream first, then calls {@link #end}.
     */
    public synchronized boolean offer(ObjectNode doc) {
        if (open) {
            String status = doc.path("status").asText();
            if (!status.equals(lastStatus)) {
                lastStatus = status;
                open = sink.send(EVENT, doc.toString());
            }
        }
        return open;
    }

    /** The job's final result document: sent if it changes the status, then the stream ends. */
    public synchronized void finish(ObjectNode doc) {
        offer(doc);
        end();
    }

    /** A keep-alive comment (finds clients that went away); returns whether the stream is still open. */
    public synchronized boolean keepAlive() {
        if (open) {
            open = sink.comment("keep-alive");
        }
        return open;
    }

    /** Ends the stream without a further event (client gone, request unreadable, server closing). */
    public synchronized void end() {
        open = false;
        if (!closed) {
            closed = true;
            sink.close();
        }
    }
}
