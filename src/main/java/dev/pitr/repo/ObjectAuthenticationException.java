package dev.pitr.repo;

import java.io.IOException;

/**
 * An object whose bytes fail authentication (an encrypted repository's object damaged, tampered with, cut short or
 * moved): raised while it is read, so a reader that streams it stops before using what it got.
 */
public final class ObjectAuthenticationException extends IOException {
    public ObjectAuthenticationException(String object, String why) {
        super(object + " cannot be trusted: " + why + "; nothing of it was used");
    }
}
