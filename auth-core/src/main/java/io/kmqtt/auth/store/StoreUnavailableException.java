package io.kmqtt.auth.store;

/** The credential store could not answer (down, slow, refused): an infrastructure failure, not a "no". */
public class StoreUnavailableException extends RuntimeException {

    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
