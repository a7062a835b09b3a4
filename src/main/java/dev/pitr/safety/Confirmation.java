package dev.pitr.safety;

import dev.pitr.config.Settings;
import dev.pitr.core.PitrException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Optional;

/**
 * The guard in front of every change outside a fresh scratch directory. On a terminal: production asks for
 * the cluster's name to be typed, other environments for a yes. Without a terminal: refuse (exit 4) unless
 * --yes, and for production also --confirm-cluster NAME matching the cluster.
 */
public final class Confirmation {
    /** Where answers come from: the terminal, or nowhere when not interactive. */
    public interface Terminal {
        Optional<String> ask(String prompt);
    }

    /** The process's terminal; no answer at all (empty) only when there is none. */
    public static Terminal systemTerminal(PrintWriter err) {
        java.io.Console console = System.console();
        return console == null ? prompt -> Optional.empty() : reading(new BufferedReader(console.reader()), err);
    }

    /**
     * A terminal read from {@code in}. End of input (Ctrl-D) or a read error is an answer, the empty one, so
     * it means "no" to every question: only a missing terminal lets an unattended run take its defaults.
     */
    public static Terminal reading(BufferedReader in, PrintWriter err) {
        return prompt -> {
            err.print(prompt);
            err.flush();
            try {
                return Optional.of(Optional.ofNullable(in.readLine()).orElse(""));
            } catch (IOException e) {
                return Optional.of("");
            }
        };
    }

    /** What the command line said: --yes and --confirm-cluster. */
    public record Options(boolean yes, Optional<String> confirmCluster) {
    }

    private final Settings settings;
    private final boolean yes;
    private final Optional<String> confirmCluster;
    private final Terminal terminal;

    public Confirmation(Settings settings, Options options, Terminal terminal) {
        this.settings = settings;
        this.yes = options.yes();
        this.confirmCluster = options.confirmCluster();
        this.terminal = terminal;
    }

    /** Returns when {@code action} may go ahead; throws exit 4 otherwise. */
    public void require(String action) {
        String cluster = settings.clusterName().orElse(settings.environment());
        boolean production = settings.isProduction();
        if (yes) {
            if (!production) {
                return;
            }
            if (confirmCluster.isPresent() && confirmCluster.get().equals(cluster)) {
                return;
            }
            throw PitrException.refused("refused to " + action + " on PRODUCTION cluster '" + cluster + "': --yes also needs"
                    + " --confirm-cluster " + cluster + (confirmCluster.map(c -> " (got '" + c + "')").orElse("")));
        }
        Optional<String> answer = terminal.ask(production
                ? "This will " + action + " on PRODUCTION cluster '" + cluster + "'. Type the cluster name to go on: "
                : "This will " + action + " on " + settings.environment() + " cluster '" + cluster + "'. Go on? [y/N] ");
        if (answer.isEmpty()) {
            throw PitrException.refused("refused to " + action + " without confirmation (no terminal): pass --yes"
                    + (production ? " --confirm-cluster " + cluster : ""));
        }
        String a = answer.get().trim();
        boolean ok = production ? a.equals(cluster) : a.equalsIgnoreCase("y") || a.equalsIgnoreCase("yes");
        if (!ok) {
            throw PitrException.refused("not confirmed ('" + a + "'): nothing was changed");
        }
    }
}
