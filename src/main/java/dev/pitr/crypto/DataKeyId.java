package dev.pitr.crypto;

import java.util.Arrays;
import java.util.HexFormat;

/** A data key's id: 16 random bytes, in the header of every object it encrypts and hex in the keyring. */
record DataKeyId(byte[] bytes) {
    static DataKeyId parse(String hex) {
        return new DataKeyId(HexFormat.of().parseHex(hex));
    }

    String hex() {
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DataKeyId other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return hex();
    }
}
