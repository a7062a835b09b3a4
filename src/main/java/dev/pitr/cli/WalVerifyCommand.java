package dev.pitr.cli;

import dev.pitr.backup.ArchiveVerifier;
import dev.pitr.core.ExitCode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Is the archive whole? Gaps, missing history files, damaged objects.",
                "Exit 0 when whole, 3 when anything a restore needs is missing or damaged."})
final class WalVerifyCommand extends BaseCommand {
    @Option(names = "--deep", description = "download every WAL object and re-check its SHA-256")
    boolean deep;

    @Option(names = "--parallel", defaultValue = "8", description = "downloads at once with --deep (default ${DEFAULT-VALUE})")
    int parallel;

    @Override
    int execute(Session session) {
        ArchiveVerifier.Report report = new ArchiveVerifier(session.repository()).verify(deep, parallel);
        Output out = session.output();
        if (out.json()) {
            out.printJson(report);
        } else {
            report.timelineSwitches().forEach(s -> out.println("switch: " + s));
            report.problems().forEach(p -> out.println((p.blocking() ? "PROBLEM " : "note    ") + p.kind() + " "
                    + p.object() + ": " + p.detail()));
            if (deep) {
                out.println(report.segmentsChecked() + " objects re-hashed");
            }
            out.println(report.whole() ? "archive is whole" : "archive is NOT whole: some restores will fail");
        }
        return report.whole() ? 0 : ExitCode.VERIFICATION_FAILED.code();
    }
}
