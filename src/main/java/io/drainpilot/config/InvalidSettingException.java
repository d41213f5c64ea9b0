package io.drainpilot.config;

/** A configuration value that cannot be used; the message names the key, the value and what is allowed. */
public class InvalidSettingException extends RuntimeException {
    public InvalidSettingException(String message) {
        super(message);
    }
}
