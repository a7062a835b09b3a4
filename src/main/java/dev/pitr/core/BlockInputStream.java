package dev.pitr.core;

import java.io.IOException;
import java.io.InputStream;

/** A stream that reads in blocks: its single-byte read is a block read of one byte. */
public abstract class BlockInputStream extends InputStream {

    @Override
    public int read() throws IOException {
        return readOne(this);
    }

    @Override
    public abstract int read(byte[] b, int off, int len) throws IOException;

    /** One byte of {@code in} through its block read, or -1 at the end. */
    public static int readOne(InputStream in) throws IOException {
        byte[] one = new byte[1];
        return in.read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }
}
