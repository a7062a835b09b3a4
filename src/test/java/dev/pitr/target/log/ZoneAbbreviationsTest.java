package dev.pitr.target.log;

import org.junit.jupiter.api.Test;

import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

class ZoneAbbreviationsTest {
    @Test
    void theUniversalAbbreviationsAnsweredWithoutZoneDataMeanWhatTheZoneDataSays() {
        for (String abbreviation : new String[]{"UTC", "GMT", "Z", "utc"}) {
            ZoneAbbreviations.Meaning fast = ZoneAbbreviations.lookup(abbreviation).orElseThrow();
            ZoneAbbreviations.Meaning data = ZoneAbbreviations.fromZoneData(abbreviation).orElseThrow();
            assertThat(fast.ambiguous()).isFalse();
            assertThat(data.ambiguous()).as(abbreviation + " in the JDK's zone data").isFalse();
            assertThat(fast.onlyOffset()).isEqualTo(data.onlyOffset()).isEqualTo(ZoneOffset.UTC);
        }
    }

    @Test
    void ambiguousAbbreviationsStillComeFromTheZoneData() {
        assertThat(ZoneAbbreviations.lookup("CST").orElseThrow().zonesByOffset())
                .containsKeys(ZoneOffset.ofHours(8), ZoneOffset.ofHours(-6));
        assertThat(ZoneAbbreviations.lookup("IST").orElseThrow().ambiguous()).isTrue();
        assertThat(ZoneAbbreviations.lookup("MSK").orElseThrow().onlyOffset()).isEqualTo(ZoneOffset.ofHours(3));
    }
}
