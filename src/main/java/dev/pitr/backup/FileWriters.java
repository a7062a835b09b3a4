package dev.pitr.backup;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Writes the files of an extraction on writer threads while the caller goes on decoding the stream: the
 * content is read into pooled chunks (at most {@link #CHUNKS} in flight, so memory is bounded), and every chunk
 * of one file goes to the same writer, in order. With no writers, the caller writes each file itself.
 * No fsync per file: the restore syncs the file system once at the end, as tar and pgBackRest do.
 */
final class FileWriters implements AutoCloseable {
    static final int CHUNK = 1 << 20;
    static final int CHUNKS = 32;

    private record Piece(Path target, byte[] data, int length, boolean first, boolean last) {
    }

    private final List<ExecutorService> writers = new ArrayList<>();
    private final BlockingQueue<byte[]> pool = new ArrayBlockingQueue<>(CHUNKS);
    private final AtomicReference<IOException> failure = new AtomicReference<>();
    private final List<Future<?>> pending = new ArrayList<>();
    private final FileChannel[] open;

    FileWriters(int parallel) {
        for (int i = 0; i < parallel; i++) {
            writers.add(Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "extract-writer");
                t.setDaemon(true);
                return t;
            }));
        }
        for (int i = 0; i < (parallel == 0 ? 0 : CHUNKS); i++) {
            pool.add(new byte[CHUNK]);
        }
        open = new FileChannel[parallel];
    }

    /** The whole of {@code content} into {@code target} (created or truncated). */
    void write(Path target, InputStream content) throws IOException {
        rethrow();
        if (writers.isEmpty()) {
            try (FileChannel ch = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE)) {
                byte[] buf = new byte[1 << 16];
                int n;
                while ((n = content.read(buf)) > 0) {
                    ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
                    while (b.hasRemaining()) {
                        ch.write(b);
                    }
                }
            }
            return;
        }
        int writer = Math.floorMod(target.hashCode(), writers.size());
        boolean first = true;
        while (true) {
            byte[] chunk = take();
            int n = content.readNBytes(chunk, 0, CHUNK);
            boolean last = n < CHUNK;
            submit(writer, new Piece(target, chunk, n, first, last));
            first = false;
            if (last) {
                return;
            }
        }
    }

    private byte[] take() throws IOException {
        try {
            byte[] chunk;
            while ((chunk = pool.poll(100, TimeUnit.MILLISECONDS)) == null) {
                rethrow();
            }
            return chunk;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("extraction interrupted");
        }
    }

    private void submit(int writer, Piece p) {
        pending.add(writers.get(writer).submit(() -> {
            try {
                if (failure.get() == null) {
                    write(writer, p);
                }
            } catch (IOException e) {
                failure.compareAndSet(null, e);
            } finally {
                pool.add(p.data());
            }
        }));
        if (pending.size() > 4 * CHUNKS) {
            pending.removeIf(Future::isDone);
        }
    }

    private void write(int writer, Piece p) throws IOException {
        if (p.first()) {
            open[writer] = FileChannel.open(p.target(), StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                    StandardOpenOption.WRITE);
        }
        ByteBuffer b = ByteBuffer.wrap(p.data(), 0, p.length());
        while (b.hasRemaining()) {
            open[writer].write(b);
        }
        if (p.last()) {
            open[writer].close();
            open[writer] = null;
        }
    }

    /** Waits for every write; the first failure is thrown. */
    void finish() throws IOException {
        for (Future<?> f : pending) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("extraction interrupted");
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IOException(e.getCause());
            }
        }
        pending.clear();
        rethrow();
    }

    private void rethrow() throws IOException {
        IOException e = failure.get();
        if (e != null) {
            throw e;
        }
    }

    @Override
    public void close() {
        writers.forEach(ExecutorService::shutdownNow);
        for (FileChannel ch : open) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // a failed extraction: the step starts again from an empty directory
                }
            }
        }
    }
}
