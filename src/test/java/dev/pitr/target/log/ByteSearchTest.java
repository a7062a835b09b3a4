package dev.pitr.target.log;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class ByteSearchTest {
    private static int naiveIndexOf(byte[] b, int from, int to, byte x) {
        for (int i = from; i < to; i++) {
            if (b[i] == x) {
                return i;
            }
        }
        return -1;
    }

    private static int naiveSeparator(byte[] b, int from, int to) {
        for (int i = from; i + 2 < to; i++) {
            if (b[i] == ':' && b[i + 1] == ' ' && b[i + 2] == ' ') {
                return i;
            }
        }
        return -1;
    }

    @Test
    void findsWhatAByteByByteSearchFindsAtEveryAlignmentAndLength() {
        Random random = new Random(5);
        byte[] alphabet = {'\n', ':', ' ', 'a', (byte) 0x8a, (byte) 0xff, 0, (byte) 0x0b};
        for (int round = 0; round < 20_000; round++) {
            byte[] b = new byte[random.nextInt(80)];
            double density = random.nextDouble() * 0.2;
            for (int i = 0; i < b.length; i++) {
                b[i] = random.nextDouble() < density ? alphabet[random.nextInt(alphabet.length)] : (byte) ('b' + random.nextInt(20));
            }
            int from = b.length == 0 ? 0 : random.nextInt(b.length);
            int to = from + random.nextInt(b.length - from + 1);
            for (byte x : new byte[]{'\n', ':', (byte) 0xff, 0}) {
                assertThat(ByteSearch.indexOf(b, from, to, x)).isEqualTo(naiveIndexOf(b, from, to, x));
            }
            assertThat(ByteSearch.separator(b, from, to)).isEqualTo(naiveSeparator(b, from, to));
        }
    }
}
