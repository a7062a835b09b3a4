package dev.pitr.core;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

class ProgressFiguresTest {
    private static final long MIB = 1 << 20;

    @Test
    void aShareOfTheEstimateWithRateAndTimeLeft() {
        assertThat(ProgressFigures.of(30 * MIB, 60 * MIB, Duration.ofSeconds(3)))
                .isEqualTo("30 of ~60 MiB (50%), 10 MiB/s, ~3 s left");
        assertThat(ProgressFigures.of(10 * MIB, 1210 * MIB, Duration.ofSeconds(1)))
                .isEqualTo("10 of ~1210 MiB (0%), 10 MiB/s, ~2 min left");
    }

    @Test
    void neverPastAHundredPercent() {
        assertThat(ProgressFigures.of(52 * MIB, 51 * MIB, Duration.ofSeconds(2)))
                .isEqualTo("52 MiB (past the estimate of ~51 MiB), 26 MiB/s").doesNotContain("%").doesNotContain("left");
    }

    @Test
    void noRateBeforeHalfASecondAndNoLocaleSeparators() {
        Locale before = Locale.getDefault();
        try {
            Locale.setDefault(Locale.GERMANY);
            assertThat(ProgressFigures.of(5 * MIB, 0, Duration.ofMillis(100))).isEqualTo("5 MiB");
            assertThat(ProgressFigures.of(2048 * MIB, 4096 * MIB, Duration.ofSeconds(4)))
                    .isEqualTo("2048 of ~4096 MiB (50%), 512 MiB/s, ~4 s left");
        } finally {
            Locale.setDefault(before);
        }
    }
}
