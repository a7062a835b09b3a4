package dev.pitr.cli;

import org.junit.jupiter.api.Test;

import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

class FormatTest {
    @Test
    void figuresReadTheSameWhateverTheMachinesLocale() {
        Locale before = Locale.getDefault();
        try {
            Locale.setDefault(Locale.GERMANY);
            assertThat(Format.bytes(7_235_174)).isEqualTo("6.9 MiB");
            assertThat(Format.bytes(512)).isEqualTo("512 B");
        } finally {
            Locale.setDefault(before);
        }
    }
}
