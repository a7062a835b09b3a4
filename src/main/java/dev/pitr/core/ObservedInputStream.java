package dev.pitr.core;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * A stream that shows every byte read through it to {@link #observe} (hashing, counting, copying), skipped
 * bytes too, and tells {@link #atEnd} when the source ends.
 */
public abstract class ObservedInputStream extends FilterInputStream {
    protected ObservedInputStream(InputStream in) {
        super(in);
    }

    /** {@code n > 0} bytes just read. */
    protected abstract void observe(byte[] b, int off, int n) throws IOException;

    /** The source ended; may throw to make the end an error. */
    protected void atEnd() throws IOException {
    }

    @Override
    public int read() throws IOException {
        return BlockInputStream.readOne(this);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0) {
            observe(b, off, n);
        } else if (n < 0) {
            atEnd();
        }
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] buf = new byte[(int) Math.min(Math.max(n, 1), 1 << 16)];
        long done = 0;
        while (done < n) {
            int r = read(buf, 0, (int) Math.min(buf.length, n - done));
            if (r < 0) {
                break;
            }
            done += r;
        }
        return done;
    }
}
