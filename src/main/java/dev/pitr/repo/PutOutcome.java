package dev.pitr.repo;

/** What a conditional write did. */
public enum PutOutcome {
    CREATED,
    ALREADY_EXISTS
}
