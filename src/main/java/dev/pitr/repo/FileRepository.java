package dev.pitr.repo;

import dev.pitr.core.AtomicFiles;

import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * A repository in a local (or mounted) directory. Objects are files; every write goes to a temp file that is
 * fsynced and then renamed (or hard-linked, for put-if-absent) into place.
 */
public final class FileRepository implements Repository {
    private final Path root;
    private final Access access;

    public FileRepository(Path root) {
        if (!Files.isDirectory(root)) {
            throw new RepositoryException("repository directory " + root + " does not exist: create it (mkdir -p "
                    + root + ", writable by the user PostgreSQL runs as) or fix the repository URL");
        }
        this.root = root;
        this.access = Access.of(root);
    }

    /**
     * What pitr's files and directories get, taken from the repository directory itself: a private one (0700,
     * like PGDATA) gives 0600 files and 0700 directories whoever writes them; a shared one keeps its group and
     * other bits. When root writes (a backup, a restore), objects take the directory's owner, so the server
     * user that runs archive_command can still read them.
     */
    private record Access(java.util.Set<java.nio.file.attribute.PosixFilePermission> dirs,
                          java.util.Set<java.nio.file.attribute.PosixFilePermission> files,
                          dev.pitr.core.Ownership owner) {
        static Access of(Path root) {
            try {
                var attrs = Files.readAttributes(root, java.nio.file.attribute.PosixFileAttributes.class);
                var dirs = java.util.EnumSet.copyOf(attrs.permissions());
                dirs.addAll(java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
                var files = java.util.EnumSet.copyOf(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
                for (var p : attrs.permissions()) {
                    if (p.name().endsWith("_READ")) {
                        files.add(p);
                    }
                }
                return new Access(dirs, files, dev.pitr.core.Ownership.of(attrs));
            } catch (IOException | UnsupportedOperationException e) {
                return new Access(java.util.Set.of(), java.util.Set.of(), dev.pitr.core.Ownership.AS_CREATED); // not POSIX: as created
            }
        }

        void file(Path f) throws IOException {
            apply(f, files);
        }

        private void apply(Path p, java.util.Set<java.nio.file.attribute.PosixFilePermission> perms) throws IOException {
            if (perms.isEmpty()) {
                return;
            }
            Files.setPosixFilePermissions(p, perms);
            owner.apply(p);
        }
    }

    /** Creates the missing directories from the root down to {@code dir}, each with the repository's access. */
    private void directories(Path dir) throws IOException {
        java.util.Deque<Path> missing = new java.util.ArrayDeque<>();
        for (Path d = dir; d != null && !d.equals(root) && !Files.isDirectory(d); d = d.getParent()) {
            missing.push(d);
        }
        for (Path d : missing) {
            try {
                Files.createDirectory(d);
                access.apply(d, access.dirs());
            } catch (FileAlreadyExistsException raced) {
                // another writer made it first
            }
        }
    }

    @Override
    public String url() {
        return "file://" + root;
    }

    private Path path(String key) {
        if (key.isEmpty() || key.startsWith("/") || Arrays.asList(key.split("/")).contains("..")) {
            throw new IllegalArgumentException("bad repository key: " + key);
        }
        return root.resolve(key);
    }

    @Override
    public Optional<InputStream> get(String key) {
        try {
            return Optional.of(Files.newInputStream(path(key)));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new RepositoryException("cannot read " + key + " from " + url() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Optional<byte[]> readRange(String key, long offset, int length) {
        Path p = path(key);
        if (!Files.exists(p)) {
            return Optional.empty();
        }
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "r")) {
            long available = Math.max(0, f.length() - offset);
            byte[] buf = new byte[(int) Math.min(length, available)];
            f.seek(offset);
            f.readFully(buf);
            return Optional.of(buf);
        } catch (IOException e) {
            throw new RepositoryException("cannot read " + key + " from " + url() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void put(String key, byte[] content) {
        Path target = path(key);
        try {
            directories(target.getParent());
            AtomicFiles.writeStream(target, out -> out.write(content), access::file);
        } catch (IOException e) {
            throw new RepositoryException("cannot write " + key + " to " + url() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public long putStream(String key, InputStream content) {
        Path target = path(key);
        long[] count = new long[1];
        try {
            directories(target.getParent());
            AtomicFiles.writeStream(target, out -> count[0] = content.transferTo(out), access::file);
            return count[0];
        } catch (IOException e) {
            throw new RepositoryException("cannot write " + key + " to " + url() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public PutOutcome putIfAbsent(String key, byte[] content) {
        Path target = path(key);
        Path temp = AtomicFiles.tempBeside(target);
        try {
            directories(target.getParent());
            AtomicFiles.writeAndSync(temp, out -> out.write(content));
            access.file(temp);
            // link(2) fails if the name exists: an atomic "create only if absent" that rename cannot give
            Files.createLink(target, temp);
            AtomicFiles.syncDirectory(target.getParent());
            return PutOutcome.CREATED;
        } catch (FileAlreadyExistsException e) {
            return PutOutcome.ALREADY_EXISTS;
        } catch (IOException e) {
            throw new RepositoryException("cannot write " + key + " to " + url() + ": " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // a leftover temp file is skipped by listings and never read
            }
        }
    }

    @Override
    public Optional<ObjectInfo> head(String key) {
        Path p = path(key);
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            return Optional.of(new ObjectInfo(key, a.size(), a.lastModifiedTime().toInstant()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new RepositoryException("cannot stat " + key + " in " + url() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public List<ObjectInfo> list(String prefix) {
        // walk only the deepest directory the prefix names, not the whole repository
        int lastSlash = prefix.lastIndexOf('/');
        Path start = lastSlash < 0 ? root : root.resolve(prefix.substring(0, lastSlash));
        if (!Files.isDirectory(start)) {
            return List.of();
        }
        List<ObjectInfo> out = new ArrayList<>();
        try (Stream<Path> files = Files.walk(start)) {
            files.filter(Files::isRegularFile).filter(p -> !AtomicFiles.isTemp(p)).forEach(p -> {
                String key = root.relativize(p).toString().replace('\\', '/');
                if (key.startsWith(prefix)) {
                    try {
                        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                        out.add(new ObjectInfo(key, a.size(), a.lastModifiedTime().toInstant()));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
            });
        } catch (IOException | UncheckedIOException e) {
            throw new RepositoryException("cannot list " + prefix + " in " + url() + ": " + e.getMessage(), e);
        }
        out.sort((a, b) -> a.key().compareTo(b.key()));
        return out;
    }

    @Override
    public List<String> listChildren(String prefix) {
        TreeSet<String> children = new TreeSet<>();
        for (ObjectInfo o : list(prefix)) {
            String rest = o.key().substring(prefix.length());
            int slash = rest.indexOf('/');
            children.add(slash < 0 ? rest : rest.substring(0, slash));
        }
        return new ArrayList<>(children);
    }

    @Override
    public void delete(String key) {
        try {
            Files.deleteIfExists(path(key));
        } catch (IOException e) {
            throw new RepositoryException("cannot delete " + key + " in " + url() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public int removeStaleTemps(java.time.Duration age) {
        int n = 0;
        try (java.util.stream.Stream<Path> all = Files.walk(root)) {
            for (Path p : all.filter(Files::isRegularFile).filter(AtomicFiles::isTemp).toList()) {
                if (Files.getLastModifiedTime(p).toInstant().isBefore(java.time.Instant.now().minus(age))) {
                    Files.deleteIfExists(p);
                    n++;
                }
            }
        } catch (IOException e) {
            throw new RepositoryException("cannot clean temp files in " + root + ": " + e.getMessage(), e);
        }
        return n;
    }

    /** link(2) fails on an existing name: a conditional write always is one here. */
    @Override
    public Optional<Boolean> conditionalWritesHonoured() {
        return Optional.of(true);
    }

    @Override
    public void close() {
    }
}
