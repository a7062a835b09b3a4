package dev.pitr.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.util.concurrent.Callable;

/** Gives every subcommand its session; a command's own code only parses flags and calls a service. */
abstract class BaseCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    Session session() {
        PitrCommand root = (PitrCommand) spec.root().userObject();
        return root.session(spec.commandLine().getOut(), spec.commandLine().getErr());
    }

    @Override
    public final Integer call() throws Exception {
        try (Session session = session()) {
            return execute(session);
        }
    }

    abstract int execute(Session session) throws Exception;
}
