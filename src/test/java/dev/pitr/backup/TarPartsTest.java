package dev.pitr.backup;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class TarPartsTest {
    /** name -> content (null: a directory), in tar order. */
    private static Map<String, byte[]> sample() {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        Random random = new Random(7);
        entries.put("backup_label", "START WAL LOCATION: 0/2000028\n".getBytes());
        entries.put("base/", null);
        entries.put("base/1/", null);
        for (int size : new int[]{0, 1, 511, 512, 513, 8192, 100_000, 3_000}) {
            byte[] body = new byte[size];
            random.nextBytes(body);
            entries.put("base/1/" + (16384 + size), body);
        }
        // a name over 100 characters takes a PAX header before the entry's own header
        entries.put("base/1/" + "x".repeat(150), "long".getBytes());
        entries.put("global/", null);
        entries.put("global/pg_control", new byte[8192]);
        entries.put("backup_manifest", "{\"PostgreSQL-Backup-Manifest-Version\": 1}".getBytes());
        return entries;
    }

    private static byte[] tar(Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(raw)) {
            t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                TarArchiveEntry entry = new TarArchiveEntry(e.getKey());
                if (e.getValue() != null) {
                    entry.setSize(e.getValue().length);
                }
                t.putArchiveEntry(entry);
                if (e.getValue() != null) {
                    t.write(e.getValue());
                }
                t.closeArchiveEntry();
            }
        }
        return raw.toByteArray();
    }

    private static Map<String, byte[]> read(byte[] tar) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar));
        TarArchiveEntry e;
        while ((e = in.getNextEntry()) != null) {
            entries.put(e.getName(), e.isDirectory() ? null : in.readAllBytes());
        }
        return entries;
    }

    private record Split(List<byte[]> parts, TarParts.Result result) {
    }

    private static Split split(byte[] source, long partBytes) throws IOException {
        List<ByteArrayOutputStream> parts = new ArrayList<>();
        TarParts.Result result = TarParts.split(new ByteArrayInputStream(source), partBytes,
                Set.of("backup_label", "backup_manifest"), n -> {
                    assertThat(n).isEqualTo(parts.size() + 1);
                    ByteArrayOutputStream part = new ByteArrayOutputStream();
                    parts.add(part);
                    return part;
                });
        return new Split(parts.stream().map(ByteArrayOutputStream::toByteArray).toList(), result);
    }

    @Test
    void partsAreWholeTarsThatTogetherHoldEveryEntryOnceInOrder() throws IOException {
        Map<String, byte[]> entries = sample();
        byte[] source = tar(entries);
        Split split = split(source, 2_000);

        assertThat(split.parts()).hasSizeGreaterThan(3);
        Map<String, byte[]> together = new LinkedHashMap<>();
        for (byte[] part : split.parts()) {
            Map<String, byte[]> inPart = read(part);
            assertThat(inPart).isNotEmpty(); // no part is only an end marker
            for (Map.Entry<String, byte[]> e : inPart.entrySet()) {
                assertThat(together.put(e.getKey(), e.getValue())).as("each entry in one part only").isNull();
            }
        }
        assertThat(together.keySet()).containsExactlyElementsOf(entries.keySet());
        entries.forEach((name, body) -> assertThat(together.get(name)).as(name).isEqualTo(body));
        for (int i = 0; i < split.parts().size(); i++) {
            assertThat(split.result().rawSizes().get(i)).isEqualTo(split.parts().get(i).length);
            if (i < split.parts().size() - 1) {
                assertThat(split.parts().get(i).length).isGreaterThanOrEqualTo(2_000);
            }
        }
        assertThat(split.result().picked().get("backup_manifest")).isEqualTo(entries.get("backup_manifest"));
        assertThat(split.result().picked().get("backup_label")).isEqualTo(entries.get("backup_label"));
    }

    @Test
    void aStreamUnderThePartSizeIsPassedOnByteForByte() throws IOException {
        byte[] source = tar(sample());
        Split split = split(source, source.length + 1);

        assertThat(split.parts()).hasSize(1);
        assertThat(split.parts().get(0)).isEqualTo(source);
    }

    @Test
    void aCutDueAfterTheLastEntryLeavesTheEndMarkerInTheLastPart() throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("a", new byte[5_000]);
        entries.put("b", new byte[5_000]);
        byte[] source = tar(entries);
        Split split = split(source, 4_000); // a cut is due after a and after b; only the one after a is made

        assertThat(split.parts()).hasSize(2);
        assertThat(read(split.parts().get(0)).keySet()).containsExactly("a");
        assertThat(read(split.parts().get(1)).keySet()).containsExactly("b");
        // the first part's entry is passed on unchanged, followed by tar's end marker
        assertThat(java.util.Arrays.copyOf(split.parts().get(0), 512 + 5_120))
                .isEqualTo(java.util.Arrays.copyOf(source, 512 + 5_120));
        assertThat(split.result().rawSizes().stream().mapToLong(Long::longValue).sum())
                .isEqualTo(source.length + 1024L);
    }

    @Test
    void laterPartsAreStoredUnderNumberedKeys() {
        assertThat(BackupService.partKey("backups/x/base.tar.zst", 1)).isEqualTo("backups/x/base.tar.zst");
        assertThat(BackupService.partKey("backups/x/base.tar.zst", 12)).isEqualTo("backups/x/base.tar.12.zst");
        assertThat(BackupService.partKey("backups/x/16385.tar.zst", 2)).isEqualTo("backups/x/16385.tar.2.zst");
    }
}
