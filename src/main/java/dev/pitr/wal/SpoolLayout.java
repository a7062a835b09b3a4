package dev.pitr.wal;

import java.nio.file.Path;

/**
 * The files the spool protocol shares with the launcher script ({@code scripts/pitr}), which answers the common
 * cases without a JVM: one place for their names, and a test that reads the script and runs its fast paths
 * against spools laid out here.
 *
 * <ul>
 *   <li>a restore's prefetch spool: {@code <spool>/NAME}, complete and verified (wal fetch --spool);</li>
 *   <li>the async archiver: {@code <spool>/archive-out/NAME.ok} once NAME is durable (wal push --async), valid
 *       only when newer than the segment's {@code .ready} (a spool that outlived its cluster answers nothing);
 *       {@code NAME.error} when its push failed; {@code pusher.pid} while a pusher runs, which the launcher
 *       waits on (or starts) without a JVM;</li>
 *   <li>the async prefetcher: {@code <spool>/archive-in/NAME} ahead of replay, and {@code archive-in/asked}, the
 *       segment replay asked for last (wal fetch --async);</li>
 *   <li>a restore's {@code <spool>/NAME.absent}: the history file NAME was not in the repository when the copy
 *       was started; honoured for {@link #ABSENT_MINUTES} minute, so that the server's first probe for a newer
 *       timeline is answered without a JVM, while a later probe (at promotion) asks the repository again;</li>
 *   <li>a restore's {@code <spool>/NAME.fetching} while REPLAY's fetch-ahead downloads NAME: the launcher waits
 *       for it (up to {@link #FETCHING_WAIT_SECONDS} s) instead of starting a JVM to download it a second time;</li>
 *   <li>the destination is written as {@code DEST.pitr-tmp} and renamed: PostgreSQL never sees half a file.</li>
 * </ul>
 * A restore's {@link #restoreCommand} hands a prefetched segment over in the server's own shell, before the
 * launcher runs at all.
 */
public final class SpoolLayout {
    public static final String ARCHIVE_OUT = "archive-out";
    public static final String ACK_SUFFIX = ".ok";
    public static final String ERROR_SUFFIX = ".error";
    public static final String PUSHER_PID = "pusher.pid";
    /** What the pusher's command line holds, so that the launcher knows a pid is still a pusher's. */
    public static final String PUSHER_COMMAND = "archive-pusher";
    public static final String ARCHIVE_IN = "archive-in";
    public static final String ASKED = "asked";
    public static final String TEMP_SUFFIX = ".pitr-tmp";
    public static final String ABSENT_SUFFIX = ".absent";
    public static final String FETCHING_SUFFIX = ".fetching";
    /** How long the launcher waits for a segment being fetched ahead (the loop in {@code scripts/pitr}). */
    public static final int FETCHING_WAIT_SECONDS = 10;
    /** How long an absence note answers for the repository (the launcher's {@code find -mmin -1}). */
    public static final int ABSENT_MINUTES = 1;

    private SpoolLayout() {
    }

    /** A restore's prefetched, verified WAL file. */
    public static Path prefetched(Path spool, String walName) {
        return spool.resolve(walName);
    }

    /** A restore's note that history file {@code walName} was not in the repository just before the copy started. */
    public static Path absent(Path spool, String walName) {
        return spool.resolve(walName + ABSENT_SUFFIX);
    }

    /** A restore's note that REPLAY's fetch-ahead is downloading {@code walName} into the spool right now. */
    public static Path fetching(Path spool, String walName) {
        return spool.resolve(walName + FETCHING_SUFFIX);
    }

    /**
     * The restore_command of a restore with this spool. Replay waits for it once per segment, and each process it
     * starts costs milliseconds (the launcher's path took 23 ms a segment here, this one 10 ms): a prefetched
     * segment is renamed into place by the server's shell itself, consumed, as the async queue's are (a second
     * request for it, rare, goes to the repository). Only one the server user owns: the server later reuses a
     * restored segment's file for new WAL, and must be able to write it. Everything else (history files, which
     * the server asks for more than once, a segment still being fetched, one not prefetched, one another user
     * owns) goes to the launcher, which copies as the server user.
     */
    public static String restoreCommand(Path launcher, Path spool) {
        return restoreCommand(spool, shellQuoted(launcher.toString()) + " wal fetch --spool "
                + shellQuoted(spool.toString()) + " %f %p");
    }

    /**
     * The same spool first, then {@code otherwise} for everything else: another tool's command that fetches %f
     * into %p, when the restore is from that tool's repository.
     */
    public static String restoreCommand(Path spool, String otherwise) {
        String s = shellQuoted(spool.toString());
        return "case %f in *.*) ;; *) test -O " + s + "/%f && mv -f " + s + "/%f %p && exit 0 ;; esac; exec "
                + otherwise;
    }

    /** {@code text} as one word for sh; without backslashes, which the server's configuration parser would take. */
    static String shellQuoted(String text) {
        return "'" + text.replace("'", "'\"'\"'") + "'";
    }

    public static Path archiveOut(Path spool) {
        return spool.resolve(ARCHIVE_OUT);
    }

    /** The async archiver's acknowledgement that {@code walName} is durable in the repository. */
    public static Path acknowledgement(Path spool, String walName) {
        return archiveOut(spool).resolve(walName + ACK_SUFFIX);
    }

    public static Path archiveIn(Path spool) {
        return spool.resolve(ARCHIVE_IN);
    }

    /** The async prefetcher's note of the segment replay asked for last. */
    public static Path asked(Path spool) {
        return archiveIn(spool).resolve(ASKED);
    }
}
