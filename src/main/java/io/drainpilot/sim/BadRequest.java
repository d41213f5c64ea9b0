package io.drainpilot.sim;

/** A request the API server refuses with 400 BadRequest; the message is what the server says. */
final class BadRequest extends RuntimeException {
    BadRequest(String message) {
        super(message, null, false, false);
    }
}
