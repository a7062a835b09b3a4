package dev.pitr.cli;

import dev.pitr.safety.Banner;
import dev.pitr.safety.Confirmation;
import dev.pitr.config.Settings;
import dev.pitr.core.PitrException;
import dev.pitr.crypto.Encryption;
import dev.pitr.pg.PgBinaries;
import dev.pitr.repo.Repositories;
import dev.pitr.repo.Repository;
import dev.pitr.source.BackupSource;
import dev.pitr.source.PitrSource;
import dev.pitr.source.Sources;

import java.nio.file.Path;

/** One run: settings, output, and the repository, opened only when a command needs it (start-up matters). */
public final class Session implements AutoCloseable {
    private final Settings settings;
    private final Output output;
    private final Path cwd;
    private final java.util.Map<String, String> env;
    private final Confirmation.Options confirmation;
    private Repository repository;
    private Repository raw;
    private boolean announced;
    private boolean quiet;

    Session(Settings settings, Output output, Path cwd, java.util.Map<String, String> env,
            Confirmation.Options confirmation) {
        this.settings = settings;
        this.output = output;
        this.cwd = cwd;
        this.env = env;
        this.confirmation = confirmation;
    }

    public java.util.Map<String, String> env() {
        return env;
    }

    /** archive_command/restore_command runs: no banner (it would fill the server log once per segment). */
    void quiet() {
        this.quiet = true;
    }

    /** Prints the environment banner once, before the first touch of a cluster or repository. */
    public void announce() {
        if (announced || quiet) {
            return;
        }
        announced = true;
        if (output.json()) {
            output.progressJson(Banner.fields(settings));
        } else {
            output.progress(Banner.line(settings, output.color()));
        }
    }

    /** Asks for (or checks the flags of) confirmation of a change; exit 4 when not confirmed. */
    public void confirm(String action) {
        announce();
        new Confirmation(settings, confirmation,
                Confirmation.systemTerminal(output.err())).require(action);
    }

    /**
     * On a terminal, a target found in the log is shown and must be accepted (y); unattended runs (no terminal,
     * or --yes) take it as printed.
     */
    public void confirmTarget(String what) {
        if (confirmation.yes()) {
            return;
        }
        Confirmation.systemTerminal(output.err()).ask("Use this target (" + what + ")? [y/N] ")
                .ifPresent(answer -> {
                    if (!answer.trim().equalsIgnoreCase("y") && !answer.trim().equalsIgnoreCase("yes")) {
                        throw PitrException.refused("target not accepted ('" + answer.trim() + "'): nothing was changed;"
                                + " narrow it with --database/--user/--since/--until or pass --target-time/--target-xid");
                    }
                });
    }

    java.util.Optional<Repository> openedRepository() {
        return java.util.Optional.ofNullable(repository);
    }

    /**
     * The repository for an audit record, opened if the command did not need it (salvage writes production but
     * never reads the repository); empty when none is configured or it cannot be reached.
     */
    java.util.Optional<Repository> repositoryForAudit() {
        if (settings.repo().flatMap(Sources::foreignOwner).isPresent()) {
            return java.util.Optional.empty(); // another tool's repository: the local audit log only
        }
        if (repository == null && settings.repo().isPresent()) {
            try {
                repository = open(settings.repo().get());
            } catch (RuntimeException unreachable) {
                output.verbose("audit: repository not reachable: " + unreachable.getMessage());
            }
        }
        return openedRepository();
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
            Sources.requireOwn(url);
            announce();
            repository = open(url);
        }
        return repository;
    }

    /** The driver, encrypted when a key is configured; pitr's own repositories only. */
    private Repository open(String url) {
        raw = Repositories.open(url, settings.s3(), output::verbose);
        return Encryption.over(raw, settings.encryptionKey(), output::progress);
    }

    /** The driver below the encryption (the keyring's own reads and writes). */
    public Repository rawRepository() {
        repository();
        return raw;
    }

    /** What the configured repository holds, whichever tool wrote it. */
    private BackupSource source;

    public BackupSource source() {
        String url = settings.repo().orElseThrow(() -> PitrException.usage(
                "no repository configured: pass --repo URL, set PITR_REPO, or set 'repo:' for the cluster in pitr.yaml"));
        announce();
        if (source == null) { // one per run: another tool's listing is read once, not by each step that asks
            source = Sources.open(url, settings, () -> new PitrSource(repository()));
        }
        return source;
    }

    @Override
    public void close() {
        if (repository != null) {
            repository.close();
        }
    }
}
