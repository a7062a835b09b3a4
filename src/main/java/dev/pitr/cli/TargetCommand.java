package dev.pitr.cli;

import dev.pitr.core.PitrException;
import dev.pitr.core.ExitCode;
import dev.pitr.target.Candidate;
import dev.pitr.target.Recommendation;
import dev.pitr.target.TargetFinder;
import dev.pitr.target.TargetFromLog;

import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.Map;

@Command(name = "target", mixinStandardHelpOptions = true, description = "Find the recovery target in the server log.",
        subcommands = TargetCommand.Find.class)
final class TargetCommand {

    @Command(name = "find", mixinStandardHelpOptions = true,
            description = {"Find the statement that broke things and the recovery target just before it.",
                    "Exit 0 with a recommendation, 1 when nothing matched."})
    static final class Find extends BaseCommand {
        @Mixin
        LogSearchOptions search;

        @Option(names = "--print-config", description = "print only the postgresql.conf lines of the recommendation")
        boolean printConfig;

        @Option(names = "--wal", description = "refine to the exact transaction through the repository's WAL (pg_waldump)")
        boolean wal;

        @Option(names = "--limit", defaultValue = "10", description = "candidates to show (default ${DEFAULT-VALUE})")
        int limit;

        @Override
        int execute(Session session) {
            TargetFinder.Result result = TargetFromLog.search(search.query(session), wal
                    ? Optional.of(search.walRefinement(session)) : Optional.empty(), wal
                    ? Optional.of(search.walAlone(session)) : Optional.empty(), search.pick(), session.output()::progress);
            Output out = session.output();
            Optional<Candidate> best = result.candidates().stream().filter(Candidate::committed).findFirst();
            if (result.recommendation().isEmpty() && best.isPresent()) {
                // found, but the log cannot say when it ran: that is no "nothing found", and one document says so
                throw TargetFromLog.unbounded(best.get());
            }
            Optional<String> hint = result.candidates().isEmpty() && !result.stats().files().isEmpty()
                    ? Optional.of(whyNothing(session)) : Optional.empty();
            if (out.json()) {
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("candidates", result.candidates().stream().limit(limit).toList());
                json.put("recommendation", result.recommendation().orElse(null));
                json.put("log_line_prefix", result.prefixUsed().orElse(null));
                json.put("times", result.zoneUsed());
                json.put("warnings", result.warnings());
                json.put("scanned", Map.of("files", result.stats().files(), "lines", result.stats().lines(),
                        "entries", result.stats().entries(), "skipped", result.stats().skipped(),
                        "truncated", result.stats().truncated()));
                hint.ifPresent(h -> json.put("hint", h));
                out.printJson(json);
            } else if (printConfig) {
                result.recommendation().ifPresent(r -> out.println(r.configLines().strip()));
            } else {
                print(out, result);
                hint.ifPresent(out::println);
            }
            if (result.recommendation().isPresent()) {
                return 0;
            }
            return ExitCode.NOT_FOUND.code();
        }


        /** Nothing matched: say whether the server logs statements at all (Debian's default does not). */
        private static String whyNothing(Session session) {
            try {
                String level = session.settings().server().queryOne("SHOW log_statement").orElse("?");
                String walAlone = "'pitr target find --wal --table NAME' finds it in the archived WAL alone";
                if (level.equals("none")) {
                    return "the server logs no statements (log_statement = none): " + walAlone + "; set log_statement ="
                            + " 'mod' so the next mistake is in the log too";
                }
                if (level.equals("ddl")) {
                    return "the server logs only DDL (log_statement = ddl): DELETE, UPDATE and TRUNCATE are logged only at"
                            + " 'mod'; " + walAlone;
                }
                return "the server logs statements (log_statement = " + level + "): check --table/--database/--since,"
                        + " and that these are the logs of the time of the mistake; a statement run inside a function is"
                        + " not logged itself: " + walAlone;
            } catch (PitrException unreachable) {
                return "if the server's log_statement is 'none' (Debian's default) no statement is logged, nor is one run"
                        + " inside a function: 'pitr target find --wal --table NAME' finds it in the archived WAL alone;"
                        + " 'pitr check' on the server shows what its log holds";
            }
        }

        private void print(Output out, TargetFinder.Result result) {
            var s = result.stats();
            boolean walAlone = s.files().isEmpty() && !result.warnings().isEmpty();
            if (walAlone) { // what the log did not show and what of the WAL was read: never "nothing" unsaid
                result.warnings().forEach(out::println);
            } else {
                out.println("scanned " + s.files().size() + " file(s), " + s.lines() + " lines, " + s.entries() + " messages"
                        + (s.skipped() > 0 ? ", skipped " + s.skipped() + " unreadable lines" : "")
                        + (s.truncated() > 0 ? ", " + s.truncated() + " over-long lines truncated" : ""));
            }
            if (result.candidates().isEmpty()) {
                out.println(walAlone ? "no committed transaction in the WAL read destroyed rows or files of the table"
                        : "no matching statement found");
                return;
            }
            int rank = 1;
            for (Candidate c : result.candidates().subList(0, Math.min(limit, result.candidates().size()))) {
                out.println(String.format("#%d %s  %s  db=%s user=%s pid=%s%s%s%s", rank++, c.timeText(), c.kind(),
                        c.database(), c.user(), c.pid(), c.session() == null ? "" : " session=" + c.session(),
                        c.xid() == null ? "" : " xid=" + c.xid(), c.committed() ? "" : "  (" + c.outcome().setAsideBecause() + ": set aside)"));
                out.println("   " + c.sql().replace("\n", "\n   ") + "   [" + c.location() + "]");
            }
            result.recommendation().ifPresent(r -> printRecommendation(out, r));
        }

        static void printRecommendation(Output out, Recommendation r) {
            out.println("recommended target (" + r.kind().json() + "): " + r.reason());
            out.println("precision: " + r.precisionWindow());
            r.pinned().ifPresent(t -> {
                out.println("suspect transaction " + t.xid() + (t.subxacts().isEmpty() ? "" : " (subtransactions "
                        + t.subxacts() + ")") + ": first record " + t.firstLsn() + (t.firstLsnProven() ? "" : " or earlier")
                        + ", commit " + t.commitLsn() + " at " + t.commitTime());
                out.println("  --stop-before commit loses no other commit" + (t.holdsExclusiveLock()
                        ? " (the copy ends recovery there: the transaction's AccessExclusiveLock would block the table)" : ""));
                out.println("  --stop-before first-record loses " + t.between());
            });
            r.notPinned().ifPresent(why -> out.println("not pinned by the WAL: " + why));
            out.println(r.configLines().strip());
        }
    }
}
