package dev.pitr.wal;

import dev.pitr.core.Hashing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.EOFException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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

    /**
     * The one-pass encoder (chunked read, digest and compress, buffers reused) writes what decode accepts, for
     * files larger, smaller and exactly as large as its chunk, one encoder after another as the pusher uses it.
     */
    @Test
    void theStreamingEncoderWritesWhatDecodeReadsAndReusesItsBuffers(@TempDir Path dir) throws Exception {
        try (WalObjectFormat.Encoder encoder = new WalObjectFormat.Encoder()) {
            for (int size : new int[]{3 << 20, 0, 17, 1 << 20, (1 << 20) + 1, 5 << 20}) {
                byte[] raw = new byte[size];
                new Random(size).nextBytes(raw);
                Arrays.fill(raw, size / 3, size / 2, (byte) 0); // compressible stretches, as in WAL
                Path file = Files.write(dir.resolve("f" + size), raw);
                try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                    WalObjectFormat.Encoded e = encoder.encode(ch, size, 3, 40);
                    assertThat(WalObjectFormat.decode(e.object())).isEqualTo(raw);
                    assertThat(e.sha256()).isEqualTo(Hashing.sha256(raw, 0, size));
                    assertThat(e.head()).isEqualTo(Arrays.copyOf(raw, Math.min(40, size)));
                    assertThat(e.rawLength()).isEqualTo(size);
                }
            }
        }
    }

    @Test
    void theEncoderRefusesAFileThatShrinksWhileItIsRead(@TempDir Path dir) throws Exception {
        Path file = Files.write(dir.resolve("short"), new byte[1000]);
        try (WalObjectFormat.Encoder encoder = new WalObjectFormat.Encoder();
             FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            assertThatThrownBy(() -> encoder.encode(ch, 4000, 3, 40)).isInstanceOf(EOFException.class)
                    .hasMessageContaining("1000 of 4000");
        }
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
