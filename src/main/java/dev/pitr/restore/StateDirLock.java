package dev.pitr.restore;

import dev.pitr.core.PitrException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * One pitr command at a time on a restore: run, resume, promote and abort hold an exclusive lock on the state
 * directory for their whole life (released by the OS if the process dies), so two of them never drive one copy.
 */
final class StateDirLock implements AutoCloseable {
    static final String FILE = "restore.lock";

    private final FileChannel channel;
    private final FileLock lock;

    private StateDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    static StateDirLock acquire(Path stateDir, String command) {
        Path file = stateDir.resolve(FILE);
        FileChannel ch = null;
        try {
            Files.createDirectories(stateDir);
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException heldHere) {
                lock = null;
            }
            if (lock == null) {
                String holder = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).strip();
                ch.close();
                throw PitrException.refused("another pitr command is working on the restore in " + stateDir
                        + (holder.isEmpty() ? "" : " (" + holder + ")") + ": wait for it to finish, then " + command
                        + " again ('pitr restore status' shows where it is)");
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + ", " + command).getBytes(StandardCharsets.UTF_8)), 0);
            return new StateDirLock(ch, lock);
        } catch (IOException e) {
            try {
                if (ch != null) {
                    ch.close();
                }
            } catch (IOException ignored) {
                // the lock is released with the channel either way
            }
            throw PitrException.io("cannot lock " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            // closing the channel releases the lock; nothing to undo
        }
    }
}
