package dev.pitr.cli;

import dev.pitr.config.Settings;
import dev.pitr.core.PitrException;
import dev.pitr.pg.PgBinaries;
import dev.pitr.repo.Repositories;
import dev.pitr.repo.Repository;

import java.nio.file.Path;

/** One run: settings, output, and the repository, opened only when a command needs it (start-up matters). */
public final class Session implements AutoCloseable {
    private final Settings settings;
    private final Output output;
    private final Path cwd;
    private Repository repository;

    Session(Settings settings, Output output, Path cwd) {
        this.settings = settings;
        this.output = output;
        this.cwd = cwd;
    }

    public Settings settings() {
        return settings;
    }

    public Output output() {
        return output;
    }

    public Path resolve(Path p) {
        return cwd.resolve(p);
    }

    public PgBinaries binaries() {
        return PgBinaries.locate(settings.pgBin());
    }

    public Repository repository() {
        if (repository == null) {
            String url = settings.repo().orElseThrow(() -> PitrException.usage(
                    "no repository configured: pass --repo URL, set PITR_REPO, or set 'repo:' for the cluster in pitr.yaml"));
            repository = Repositories.open(url, settings.s3());
        }
        return repository;
    }

    @Override
    public void close() {
        if (repository != null) {
            repository.close();
        }
    }
}
