package dev.vigil.examples.fleet;

/** A record that could not be published or read: the message names the record, the topic and what to check. */
public final class FleetException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    FleetException(String message, Throwable cause) {
        super(message, cause);
    }
}
