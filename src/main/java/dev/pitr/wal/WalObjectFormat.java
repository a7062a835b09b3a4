package dev.pitr.wal;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdException;
import dev.pitr.core.Hashing;

import java.nio.ByteBuffer;
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
