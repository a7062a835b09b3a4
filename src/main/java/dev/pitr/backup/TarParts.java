package dev.pitr.backup;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarUtils;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Cuts one tar stream (pg_basebackup's) into several complete tars at entry boundaries, each of at least
 * {@code partBytes} but the last, so a restore can extract them side by side: files are written by several
 * threads at once (one relation segment is one file, and a file is written by one thread). The bytes of each
 * entry are passed on exactly as read; a part that is cut gets tar's end-of-archive marker.
 */
public final class TarParts {
    private static final int RECORD = 512;
    private static final byte[] END_OF_ARCHIVE = new byte[2 * RECORD];

    /** Where the raw tar of part {@code n} (1-based) goes; closing it ends that part. */
    public interface Sink {
        OutputStream open(int part) throws IOException;
    }

    /** What was cut: the raw size of every part in order, and the picked files' contents. */
    public record Result(List<Long> rawSizes, Map<String, byte[]> picked) {
    }

    private TarParts() {
    }

    /**
     * Reads the whole of {@code source}, writing it into parts opened from {@code sink}; the entries named in
     * {@code pick} are kept in memory as they pass. Every part is closed before this returns normally.
     */
    public static Result split(InputStream source, long partBytes, Set<String> pick, Sink sink) throws IOException {
        Cutter cutter = new Cutter(sink, partBytes);
        Map<String, byte[]> picked = new HashMap<>();
        Counting counted = new Counting(source, cutter);
        TarArchiveInputStream tar = new TarArchiveInputStream(counted);
        byte[] through = new byte[1 << 20];
        TarArchiveEntry entry;
        while ((entry = tar.getNextEntry()) != null) {
            cutter.entryStarts();
            if (pick.contains(entry.getName())) {
                picked.put(entry.getName(), tar.readAllBytes());
            }
            // read through in large steps: left to getNextEntry, the data is skipped 8 KiB at a time
            while (tar.read(through, 0, through.length) > 0) {
                // the counting stream has passed it on
            }
            cutter.entryEnded(counted.position);
        }
        cutter.streamEnds();
        counted.transferTo(OutputStream.nullOutputStream()); // padding after the end marker
        cutter.close();
        return new Result(List.copyOf(cutter.sizes), Map.copyOf(picked));
    }

    /** Passes every byte read on to the cutter, counting the position in the source. */
    private static final class Counting extends dev.pitr.core.ObservedInputStream {
        private final Cutter cutter;
        long position;

        Counting(InputStream in, Cutter cutter) {
            super(in);
            this.cutter = cutter;
        }

        @Override
        protected void observe(byte[] b, int off, int n) throws IOException {
            cutter.write(b, off, n);
            position += n;
        }
    }

    /**
     * A cut is decided after an entry's data (and its padding to the record) once the part is big enough; the
     * bytes after that point are held until the tar reader has found another entry there (then they open the
     * next part) or the end (then they end this one), so no part is ever only an end marker.
     */
    private static final class Cutter {
        private final Sink sink;
        private final long partBytes;
        private final List<Long> sizes = new ArrayList<>();
        private OutputStream current;
        private long position;
        private long inPart;
        private long boundary = -1;
        private ByteArrayOutputStream held;

        Cutter(Sink sink, long partBytes) throws IOException {
            this.sink = sink;
            this.partBytes = partBytes;
            this.current = sink.open(1);
        }

        void write(byte[] b, int off, int len) throws IOException {
            if (held != null) {
                held.write(b, off, len);
            } else if (boundary >= 0 && position + len > boundary) {
                int before = (int) (boundary - position);
                direct(b, off, before);
                held = new ByteArrayOutputStream();
                held.write(b, off + before, len - before);
            } else {
                direct(b, off, len);
            }
            position += len;
        }

        private void direct(byte[] b, int off, int len) throws IOException {
            current.write(b, off, len);
            inPart += len;
        }

        void entryEnded(long dataEnd) {
            if (position != dataEnd) {
                throw new IllegalStateException("tar reader is at " + position + ", not at the entry's end " + dataEnd);
            }
            if (inPart >= partBytes) {
                boundary = (dataEnd + RECORD - 1) / RECORD * RECORD;
            }
        }

        /** The tar reader found an entry: the held bytes are its header, and begin the next part. */
        void entryStarts() throws IOException {
            if (held == null) {
                boundary = -1; // a boundary not yet reached cannot be: the header lies beyond it
                return;
            }
            byte[] next = held.toByteArray();
            if (next.length < RECORD || !TarUtils.verifyCheckSum(java.util.Arrays.copyOf(next, RECORD))) {
                throw new IllegalStateException("the bytes after a cut are not a tar header: the stream cannot be split");
            }
            current.write(END_OF_ARCHIVE);
            inPart += END_OF_ARCHIVE.length;
            finishPart();
            current = sink.open(sizes.size() + 1);
            held = null;
            boundary = -1;
            direct(next, 0, next.length);
        }

        /** The tar reader reached the end marker: whatever is held stays in this part. */
        void streamEnds() throws IOException {
            if (held != null) {
                byte[] rest = held.toByteArray();
                held = null;
                direct(rest, 0, rest.length);
            }
            boundary = -1;
        }

        private void finishPart() throws IOException {
            current.close();
            sizes.add(inPart);
            inPart = 0;
        }

        void close() throws IOException {
            finishPart();
        }
    }
}
