package dev.pitr.cli;

import dev.pitr.backup.Expirer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Instant;
import java.util.Optional;

@Command(name = "expire", mixinStandardHelpOptions = true,
        description = "Delete old backups and exactly the WAL no retained backup needs.")
final class ExpireCommand extends BaseCommand {
    @Override
    boolean writesRepository() {
        return true;
    }

    @Option(names = "--keep-full", paramLabel = "N", description = "keep the newest N backups")
    Integer keepFull;

    @Option(names = "--keep-days", paramLabel = "D", description = "keep backups younger than D days")
    Integer keepDays;

    @Option(names = "--dry-run", description = "print what would be deleted; delete nothing")
    boolean dryRun;

    @Override
    boolean audited() {
        return !dryRun;
    }

    @Override
    int execute(Session session) {
        Expirer expirer = new Expirer(session.repository());
        Expirer.Plan plan = expirer.plan(Optional.ofNullable(keepFull), Optional.ofNullable(keepDays), Instant.now());
        Output out = session.output();
        if (!dryRun) {
            String what = (plan.expiredBackups().size() + plan.incompleteBackups().size()) + " backup(s) and "
                    + plan.walKeys().size() + " WAL object(s) in " + session.repository().url();
            session.confirm("expire " + what);
            auditStart(session, "deleting " + what);
            expirer.execute(plan);
        }
        if (out.json()) {
            out.printJson(plan);
            return 0;
        }
        String verb = dryRun ? "would delete" : "deleted";
        out.println("retained backups: " + String.join(", ", plan.retained()));
        plan.expiredBackups().forEach(b -> out.println(verb + " backup " + b));
        plan.incompleteBackups().forEach(b -> out.println(verb + " incomplete backup " + b));
        out.println(verb + " " + plan.walKeys().size() + " WAL objects" + plan.keepWalFrom()
                .map(s -> " (before " + s + ", the oldest retained backup's start)").orElse(""));
        return 0;
    }
}
