package dev.pitr.repo;

import java.time.Instant;

/** One object in a listing. */
public record ObjectInfo(String key, long size, Instant lastModified) {
}
