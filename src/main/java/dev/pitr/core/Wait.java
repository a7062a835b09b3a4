package dev.pitr.core;

import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waiting for something outside pitr (a server, an archiver, a lock) with a deadline: the one loop. */
public final class Wait {
    private Wait() {
    }

    /** Polls {@code done} every {@code poll} until it holds; past {@code timeout}, throws what {@code late} gives. */
    public static void until(BooleanSupplier done, Duration timeout, Duration poll, Supplier<PitrException> late) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw late.get();
            }
            sleep(poll);
        }
    }

    /** The first value {@code attempt} gives within {@code timeout}, polled every {@code poll}; else empty. */
    public static <T> Optional<T> forValue(Supplier<Optional<T>> attempt, Duration timeout, Duration poll) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<T> v = attempt.get();
            if (v.isPresent() || System.nanoTime() > deadline) {
                return v;
            }
            sleep(poll);
        }
    }

    public static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw PitrException.io("interrupted while waiting", e);
        }
    }
}
