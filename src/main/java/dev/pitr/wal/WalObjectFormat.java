package dev.pitr.wal;

import com.github.luben.zstd.EndDirective;
import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdException;
import dev.pitr.core.Hashing;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * How one WAL file is stored: a fixed 49-byte header (magic, codec, raw length, SHA-256 of the raw bytes)
 * followed by the zstd-compressed content. The checksum travels with the object, so any backend can verify
 * it and "is the existing object the same?" needs only a ranged read of the header.
 */
public final class WalObjectFormat {
    public static final int HEADER_LENGTH = 8 + 1 + 8 + 32;
    private static final byte[] MAGIC = {'P', 'I', 'T', 'R', 'W', 'A', 'L', '1'};
    private static final byte CODEC_ZSTD = 1;

    /** The header fields: what the object claims to contain. */
    public record Header(long rawLength, byte[] sha256) {
        public String sha256Hex() {
            return Hashing.hex(sha256);
        }

        public boolean sameContentAs(Header other) {
            return rawLength == other.rawLength && MessageDigest.isEqual(sha256, other.sha256);
        }
    }

    /** Thrown when an object is not intact; callers name the object in their message. */
    public static final class CorruptObjectException extends Exception {
        public CorruptObjectException(String message) {
            super(message);
        }
    }

    private WalObjectFormat() {
    }

    /** A WAL file read and encoded: its first bytes (for the page header), digest and the stored object. */
    public record Encoded(byte[] head, long rawLength, byte[] sha256, byte[] object) {
    }

    /**
     * Encodes WAL files in one pass: each chunk is read once into native memory, digested and fed to zstd while it
     * is in the cache. Its buffers and compression context are kept for the next file, so an archiver encoding
     * segment after segment allocates no 16 MB arrays (and makes no garbage to collect). One per thread.
     */
    public static final class Encoder implements AutoCloseable {
        private static final int CHUNK = 1 << 20;
        private final ByteBuffer in = ByteBuffer.allocateDirect(CHUNK);
        private final ZstdCompressCtx zstd = new ZstdCompressCtx();
        private final MessageDigest sha = Hashing.sha256();
        private ByteBuffer out = ByteBuffer.allocateDirect(0);

        /** Reads {@code channel} from its start to {@code size} and encodes it at {@code level}. */
        public Encoded encode(FileChannel channel, long size, int level, int headLength) throws IOException {
            zstd.reset();
            zstd.setLevel(level);
            zstd.setContentSize(true);
            zstd.setPledgedSrcSize(size); // the frame states the raw size: decode checks it before allocating
            sha.reset();
            long bound = Zstd.compressBound(size) + HEADER_LENGTH;
            if (out.capacity() < bound) {
                out = ByteBuffer.allocateDirect((int) bound);
            }
            out.clear().position(HEADER_LENGTH);
            byte[] head = new byte[(int) Math.min(headLength, size)];
            long done = 0;
            do {
                in.clear().limit((int) Math.min(CHUNK, size - done));
                while (in.hasRemaining()) {
                    if (channel.read(in, done + in.position()) < 0) {
                        throw new EOFException("the file shrank while it was read (" + (done + in.position())
                                + " of " + size + " bytes)");
                    }
                }
                in.flip();
                if (done == 0) {
                    in.duplicate().get(head);
                }
                sha.update(in.duplicate());
                done += in.remaining();
                EndDirective end = done == size ? EndDirective.END : EndDirective.CONTINUE;
                boolean flushed;
                do { // CONTINUE: until zstd took the chunk; END: until the frame is complete
                    flushed = zstd.compressDirectByteBufferStream(out, in, end);
                    if (!out.hasRemaining() && !flushed) {
                        throw new IllegalStateException("zstd output exceeded its bound");
                    }
                } while (in.hasRemaining() || end == EndDirective.END && !flushed);
            } while (done < size);
            byte[] digest = sha.digest();
            int length = out.position();
            out.clear().put(MAGIC).put(CODEC_ZSTD).putLong(size).put(digest);
            byte[] object = new byte[length];
            out.position(0);
            out.get(object);
            return new Encoded(head, size, digest, object);
        }

        @Override
        public void close() {
            zstd.close();
        }
    }

    public static byte[] encode(byte[] raw, byte[] sha256, int level) {
        byte[] compressed = Zstd.compress(raw, level);
        ByteBuffer out = ByteBuffer.allocate(HEADER_LENGTH + compressed.length);
        out.put(MAGIC).put(CODEC_ZSTD).putLong(raw.length).put(sha256).put(compressed);
        return out.array();
    }

    public static Header readHeader(byte[] object) throws CorruptObjectException {
        if (object.length < HEADER_LENGTH || !Arrays.equals(object, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new CorruptObjectException("not a pitr WAL object (bad header)");
        }
        ByteBuffer b = ByteBuffer.wrap(object);
        b.position(MAGIC.length);
        if (b.get() != CODEC_ZSTD) {
            throw new CorruptObjectException("unknown compression codec");
        }
        long rawLength = b.getLong();
        byte[] sha = new byte[32];
        b.get(sha);
        if (rawLength < 0 || rawLength > Integer.MAX_VALUE - 16) {
            throw new CorruptObjectException("impossible length " + rawLength);
        }
        return new Header(rawLength, sha);
    }

    /** Decompresses and checks length and SHA-256: returns the raw bytes only if they are exactly what was pushed. */
    public static byte[] decode(byte[] object) throws CorruptObjectException {
        Header header = readHeader(object);
        // check the frame's own size field before allocating: a damaged length must not cost a huge buffer
        long declared = object.length > HEADER_LENGTH
                ? Zstd.getFrameContentSize(object, HEADER_LENGTH, object.length - HEADER_LENGTH) : -1;
        if (declared != header.rawLength()) {
            throw new CorruptObjectException(declared < 0 ? "compressed data is damaged (no zstd frame)"
                    : "compressed frame holds " + declared + " bytes, header says " + header.rawLength());
        }
        byte[] raw = new byte[(int) header.rawLength()];
        long n;
        try {
            n = Zstd.decompressByteArray(raw, 0, raw.length, object, HEADER_LENGTH, object.length - HEADER_LENGTH);
        } catch (ZstdException e) {
            throw new CorruptObjectException("compressed data is damaged (" + e.getMessage() + ")");
        }
        if (n != header.rawLength()) {
            throw new CorruptObjectException("decompressed to " + n + " bytes, header says " + header.rawLength());
        }
        if (!MessageDigest.isEqual(Hashing.sha256(raw, 0, raw.length), header.sha256())) {
            throw new CorruptObjectException("SHA-256 does not match the content (expected " + header.sha256Hex() + ")");
        }
        return raw;
    }
}
