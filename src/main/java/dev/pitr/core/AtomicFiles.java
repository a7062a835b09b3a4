package dev.pitr.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/** Write-to-temp, fsync, rename: a reader sees the old file or the whole new one, never half of it. */
public final class AtomicFiles {
    private static final String TEMP_MARK = ".pitr-tmp-";

    private AtomicFiles() {
    }

    public static boolean isTemp(Path file) {
        return file.getFileName().toString().contains(TEMP_MARK);
    }

    /** A temp file beside {@code target}, so the final rename stays on one file system. */
    public static Path tempBeside(Path target) {
        return target.resolveSibling(target.getFileName() + TEMP_MARK + UUID.randomUUID());
    }

    public static void write(Path target, byte[] content) throws IOException {
        writeStream(target, out -> out.write(content));
    }

    public static void copy(InputStream in, Path target) throws IOException {
        writeStream(target, in::transferTo);
    }

    public interface StreamWriter {
        void writeTo(OutputStream out) throws IOException;
    }

    public static void writeStream(Path target, StreamWriter writer) throws IOException {
        writeStream(target, writer, temp -> { });
    }

    /** Settings a file gets before it becomes visible (its permissions and owner). */
    public interface FileSetup {
        void apply(Path file) throws IOException;
    }

    public static void writeStream(Path target, StreamWriter writer, FileSetup setup) throws IOException {
        Path temp = tempBeside(target);
        try {
            writeAndSync(temp, writer);
            setup.apply(temp);
            moveIntoPlace(temp, target);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Writes and fsyncs {@code file} (not atomic on its own; pair with a rename or link). */
    public static void writeAndSync(Path file, StreamWriter writer) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            OutputStream out = Channels.newOutputStream(channel);
            writer.writeTo(out);
            out.flush();
            channel.force(true);
        }
    }

    public static void moveIntoPlace(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        syncDirectory(target.toAbsolutePath().getParent());
    }

    /** Makes a rename durable: the directory entry must reach the disk too. */
    public static void syncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            // some file systems do not allow opening a directory; the rename itself already happened
        }
    }
}
