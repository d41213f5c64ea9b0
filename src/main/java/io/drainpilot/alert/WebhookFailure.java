package io.drainpilot.alert;

import io.drainpilot.config.SecretText;
import org.apache.camel.http.base.HttpOperationFailedException;

/**
 * What the log says when the webhook fails: the HTTP status the receiver answered, or the kind of failure, and never
 * the URL (Camel's own messages quote it in full, token included).
 */
public class WebhookFailure {

    public String describe(Exception e) {
        if (e instanceof HttpOperationFailedException http) {
            String text = http.getStatusText() == null || http.getStatusText().isBlank() ? "" : " " + http.getStatusText();
            return "HTTP " + http.getStatusCode() + text;
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? "" : ": " + SecretText.redactUrls(root.getMessage());
        return root.getClass().getSimpleName() + message;
    }
}
