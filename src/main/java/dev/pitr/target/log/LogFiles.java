package dev.pitr.target.log;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.luben.zstd.ZstdInputStream;
import dev.pitr.core.Json;
import dev.pitr.core.PitrException;
import org.apache.commons.compress.compressors.bzip2.BZip2CompressorInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/**
 * Log files as sources of lines: opened by their content (plain, gzip, zstd, bzip2, xz), sampled for their
 * format and prefix, split at message boundaries, and refused by name when they are not a log pitr reads.
 */
public final class LogFiles {
    /** The longest line kept; the rest of a longer one is skipped and counted. */
    public static final int MAX_LINE = 1 << 20;
    /** How far a stream is kept for reading it again once its format is known from the first line. */
    static final int PEEK = 4 << 20;

    private LogFiles() {
    }

    /** The first lines of messages in a log (envelopes removed), to detect or check its log_line_prefix. */
    public record Sample(LogFormat format, List<String> heads, boolean plain) {
    }

    /** Reads up to {@code maxLines} lines of {@code file}: its format, and the message lines a prefix must read. */
    public static Sample sample(Path file, Optional<LogFormat> forced, int maxLines) {
        List<String> heads = new ArrayList<>();
        try (InputStream raw = open(file)) {
            BoundedLineReader lines = lines(raw);
            String first = lines.readLine();
            boolean plain = raw.getClass() == BufferedInputStream.class; // not decompressed: its offsets are the file's
            if (first == null) {
                return new Sample(forced.orElse(LogFormat.STDERR), heads, plain);
            }
            LogFormat format = forced.orElseGet(() -> detect(file.getFileName().toString(), file.toString(), first));
            if (!format.usesPrefix()) {
                return new Sample(format, heads, plain);
            }
            int n = 0;
            for (String line = first; line != null && n < maxLines; line = lines.readLine(), n++) {
                String body = switch (format) {
                    case SYSLOG -> SyslogEnvelope.parse(line, 0).filter(e -> !e.continuation()).map(SyslogEnvelope::body)
                            .orElse(line);
                    case JOURNAL_JSON -> jsonField(line, "MESSAGE").map(m -> SyslogEnvelope.ofBody(null, true, null, m))
                            .filter(e -> !e.continuation()).map(SyslogEnvelope::body).orElse("");
                    case DOCKER_JSON -> jsonField(line, "log").map(String::stripTrailing).orElse("");
                    default -> line;
                };
                if (!body.startsWith("\t") && body.contains(":  ") && !looksBinary(body)) {
                    heads.add(body);
                }
            }
            return new Sample(format, heads, plain);
        } catch (IOException e) {
            throw unreadable(file, e);
        }
    }

    /**
     * The first offset at or after {@code from} where a stderr message starts: just after a newline that is
     * not followed by a tab (PostgreSQL indents the continuation lines of a message with one).
     */
    public static long messageBoundary(Path file, long from) throws IOException {
        if (from == 0) {
            return 0;
        }
        try (FileChannel ch = FileChannel.open(file)) {
            long size = ch.size();
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            long pos = from - 1;
            boolean afterNewline = false;
            while (pos < size) {
                buf.clear();
                int n = ch.read(buf, pos);
                if (n <= 0) {
                    break;
                }
                for (int i = 0; i < n; i++) {
                    byte b = buf.get(i);
                    if (afterNewline && b != '\t') {
                        return pos + i;
                    }
                    afterNewline = b == '\n';
                }
                pos += n;
            }
            return size;
        }
    }

    /** Opens a log, decompressing by content (rotated files are not always named after their compression). */
    static InputStream open(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        in.mark(8);
        byte[] magic = in.readNBytes(6);
        in.reset();
        if (magic.length >= 2 && (magic[0] & 0xff) == 0x1f && (magic[1] & 0xff) == 0x8b) {
            return new GZIPInputStream(in, 1 << 16);
        }
        if (magic.length >= 4 && (magic[0] & 0xff) == 0x28 && (magic[1] & 0xff) == 0xb5 && (magic[2] & 0xff) == 0x2f
                && (magic[3] & 0xff) == 0xfd) {
            return new ZstdInputStream(in);
        }
        if (magic.length >= 3 && magic[0] == 'B' && magic[1] == 'Z' && magic[2] == 'h') {
            return new Decompressed(new BZip2CompressorInputStream(in, true));
        }
        if (magic.length >= 6 && (magic[0] & 0xff) == 0xfd && magic[1] == '7' && magic[2] == 'z' && magic[3] == 'X'
                && magic[4] == 'Z' && magic[5] == 0) {
            return new Decompressed(new XZCompressorInputStream(in, true));
        }
        if (magic.length >= 4 && (magic[0] == 'P' && magic[1] == 'K' || (magic[0] & 0xff) == 0x04 && magic[1] == 0x22
                || magic[0] == '7' && magic[1] == 'z')) {
            in.close();
            throw unsupported(file.toString(), "a zip, lz4 or 7z archive: unpack it first");
        }
        return in;
    }

    /** The bytes {@code [start, end)} of a plain file, buffered. */
    static InputStream range(FileChannel ch, long start, long end) throws IOException {
        ch.position(start);
        return new BufferedInputStream(new BoundedInput(Channels.newInputStream(ch), end - start), 1 << 16);
    }

    /** Decoded lines of a stream (invalid UTF-8 replaced, lines bounded by {@link #MAX_LINE}). */
    static BoundedLineReader lines(InputStream raw) {
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        return new BoundedLineReader(new InputStreamReader(raw, decoder), MAX_LINE);
    }

    /** The format a first line shows; a binary file, or JSON of no known shape, is refused by name. */
    static LogFormat detect(String fileName, String where, String first) {
        if (looksBinary(first)) {
            throw unsupported(where, "binary data");
        }
        return LogFormat.detect(fileName, first).orElseThrow(() -> unsupported(where, "JSON that is neither jsonlog,"
                + " CloudNativePG, journald nor a container log"));
    }

    static PitrException unsupported(String where, String what) {
        return PitrException.usage("log file " + where + " is not a log pitr reads (" + what + "): pitr reads stderr,"
                + " csvlog and jsonlog logs, syslog/journald/container logs of them, plain or .gz/.zst/.bz2/.xz");
    }

    /** A log that could not be read: an I/O failure, named. */
    static PitrException unreadable(Path file, IOException e) {
        return PitrException.io("cannot read log file " + file + ": " + e.getMessage(), e);
    }

    /** Mostly control characters or replaced bytes: not text. */
    static boolean looksBinary(String line) {
        int bad = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\uFFFD' || (c < 0x20 && c != '\t')) {
                bad++;
            }
        }
        return bad > 0 && bad * 10 >= line.length() / 10 + 1;
    }

    /** Whether the stream (marked at its start) can be read again from there. */
    static boolean rewind(BufferedInputStream in) {
        try {
            in.reset();
            return true;
        } catch (IOException firstLineTooLong) {
            return false; // read on as text
        }
    }

    private static Optional<String> jsonField(String line, String field) {
        try {
            JsonNode n = Json.mapper().readTree(line);
            return n != null && n.path(field).isTextual() ? Optional.of(n.get(field).asText()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** A decompressing stream, buffered (its offsets are not the file's, so it is never split). */
    private static final class Decompressed extends BufferedInputStream {
        Decompressed(InputStream in) {
            super(in, 1 << 16);
        }
    }

    /** At most {@code limit} bytes of a stream. */
    private static final class BoundedInput extends FilterInputStream {
        private long left;

        BoundedInput(InputStream in, long limit) {
            super(in);
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = super.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = super.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }
}
