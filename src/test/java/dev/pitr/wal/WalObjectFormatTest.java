package dev.pitr.wal;

import dev.pitr.core.Hashing;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WalObjectFormatTest {
    private static byte[] sample() {
        byte[] raw = new byte[1 << 20];
        new Random(1).nextBytes(Arrays.copyOf(raw, 1000)); // mostly zeros, like WAL tails
        for (int i = 0; i < 4096; i++) {
            raw[i] = (byte) (i * 31);
        }
        return raw;
    }

    @Test
    void roundTripsAndCompresses() throws Exception {
        byte[] raw = sample();
        byte[] obj = WalObjectFormat.encode(raw, Hashing.sha256(raw, 0, raw.length), 3);
        assertThat(obj.length).isLessThan(raw.length / 10);
        assertThat(WalObjectFormat.decode(obj)).isEqualTo(raw);
        assertThat(WalObjectFormat.readHeader(obj).rawLength()).isEqualTo(raw.length);
    }

    @Test
    void detectsBitFlipsTruncationAndForeignObjects() {
        byte[] raw = sample();
        byte[] obj = WalObjectFormat.encode(raw, Hashing.sha256(raw, 0, raw.length), 3);
        byte[] flipped = obj.clone();
        flipped[flipped.length / 2] ^= 0x10;
        assertThatThrownBy(() -> WalObjectFormat.decode(flipped)).isInstanceOf(WalObjectFormat.CorruptObjectException.class);
        byte[] truncated = Arrays.copyOf(obj, obj.length - 7);
        assertThatThrownBy(() -> WalObjectFormat.decode(truncated)).isInstanceOf(WalObjectFormat.CorruptObjectException.class);
        byte[] wrongSum = obj.clone();
        wrongSum[20] ^= 1;
        assertThatThrownBy(() -> WalObjectFormat.decode(wrongSum)).hasMessageContaining("SHA-256");
        assertThatThrownBy(() -> WalObjectFormat.decode("plain text".getBytes())).hasMessageContaining("bad header");
    }
}
