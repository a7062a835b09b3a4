package dev.pitr.target.log;

import java.util.ArrayList;
import java.util.List;

/** What a scan read and what it had to skip: reported, never fatal. */
public final class ScanStats {
    long lines;
    long entries;
    long skipped;
    long truncated;
    final List<String> files = new ArrayList<>();
    final java.util.Set<LogFormat> formats = java.util.EnumSet.noneOf(LogFormat.class);

    /** Adds what another reader (another file, read in parallel) counted. */
    public void add(ScanStats other) {
        lines += other.lines;
        entries += other.entries;
        skipped += other.skipped;
        truncated += other.truncated;
        files.addAll(other.files);
        formats.addAll(other.formats);
    }

    public java.util.Set<LogFormat> formats() {
        return formats;
    }

    public long lines() {
        return lines;
    }

    public long entries() {
        return entries;
    }

    public long skipped() {
        return skipped;
    }

    public long truncated() {
        return truncated;
    }

    public List<String> files() {
        return files;
    }
}
