package dev.pitr.logscan;

import java.util.ArrayList;
import java.util.List;

/** What a scan read and what it had to skip: reported, never fatal. */
public final class ScanStats {
    long lines;
    long entries;
    long skipped;
    long truncated;
    final List<String> files = new ArrayList<>();

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
