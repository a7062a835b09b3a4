package dev.pitr.backup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads a file that another process is still writing, as {@code tail -f} does: at its current end the read
 * waits for more, and the stream ends only when the writer is known to be done with the file and everything
 * it wrote has been read. A writer that failed makes the read fail, so a half-written file never passes for
 * a whole one.
 */
final class GrowingFileInputStream extends dev.pitr.core.BlockInputStream {

    /** Whether the writer has finished the file; throws when it failed. */
    @FunctionalInterface
    interface Writer {
        boolean finished() throws IOException;
    }

    private static final long POLL_MILLIS = 10;

    private final FileChannel channel;
    private final Writer writer;

    GrowingFileInputStream(Path file, Writer writer) throws IOException {
        this.channel = FileChannel.open(file, StandardOpenOption.READ);
        this.writer = writer;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        ByteBuffer into = ByteBuffer.wrap(b, off, len);
        while (true) {
            int n = channel.read(into);
            if (n > 0) {
                return n;
            }
            // finished before this read found nothing more: the end is final (what it wrote is visible once done)
            boolean done = writer.finished();
            n = channel.read(into);
            if (n > 0) {
                return n;
            }
            if (done) {
                return -1;
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while following " + channel);
            }
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
