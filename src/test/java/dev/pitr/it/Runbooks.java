package dev.pitr.it;

import dev.pitr.testkit.Cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs a runbook's commands as written: every {@code pitr} line of a {@code ```sh runnable} block, and of a
 * {@code ```sh runnable TAG} block when TAG is one of {@code tags}, with {@code $VARS} filled in. Each must exit 0.
 */
final class Runbooks {
    private Runbooks() {
    }

    /** The runs, in order. */
    static List<Cli.Run> run(Path book, Set<String> tags, Map<String, String> vars, Cli cli) throws IOException {
        List<Cli.Run> runs = new ArrayList<>();
        boolean runnable = false;
        for (String line : Files.readAllLines(book)) {
            if (line.startsWith("```")) {
                String[] head = line.trim().split("\\s+");
                runnable = head.length >= 2 && head[0].equals("```sh") && head[1].equals("runnable")
                        && (head.length == 2 || tags.contains(head[2]));
                continue;
            }
            if (runnable && line.startsWith("pitr ")) {
                List<String> words = words(line, vars);
                List<String> args = new ArrayList<>(List.of("--yes"));
                args.addAll(words.subList(1, words.size()));
                Cli.Run run = cli.run(args.toArray(String[]::new));
                assertThat(run.exitCode()).as(book + ": " + line + "\n" + run.stdout() + run.stderr()).isZero();
                runs.add(run);
            }
        }
        return runs;
    }

    /** Splits a runbook command line like a shell would (quotes, $VARS); enough for what runbooks show. */
    static List<String> words(String line, Map<String, String> vars) {
        List<String> out = new ArrayList<>();
        StringBuilder w = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    w.append(c);
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    out.add(w.toString());
                    w.setLength(0);
                    inWord = false;
                }
            } else {
                w.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            out.add(w.toString());
        }
        return out.stream().map(x -> {
            String r = x;
            // longest names first, so $RESTORE never eats the start of $RESTORE_PORT
            for (String k : vars.keySet().stream().sorted((a, b) -> b.length() - a.length()).toList()) {
                r = r.replace("$" + k, vars.get(k));
            }
            return r;
        }).toList();
    }

}
