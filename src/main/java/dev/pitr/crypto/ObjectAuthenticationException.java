package dev.pitr.crypto;

import java.io.IOException;

/** An encrypted object that does not authenticate: its bytes are never handed on. */
public final class ObjectAuthenticationException extends IOException {
    ObjectAuthenticationException(String object, String why) {
        super(object + " cannot be trusted: " + why + "; nothing of it was used");
    }
}
