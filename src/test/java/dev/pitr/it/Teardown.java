package dev.pitr.it;

import dev.pitr.testkit.Application;
import dev.pitr.testkit.Cli;
import dev.pitr.testkit.PgCluster;
import dev.pitr.testkit.TestDirs;

import java.nio.file.Path;
import java.util.List;

/** The end of an incident test: the application stops, the restored copies stop, the cluster goes. */
final class Teardown {
    private Teardown() {
    }

    static void all(Application application, Cli cli, List<Path> restores, PgCluster pg, Path work) throws Exception {
        if (application != null) {
            application.close();
        }
        for (Path p : restores) {
            cli.run("restore", "abort", "--pgdata", p.toString());
        }
        if (pg != null) {
            pg.close();
        }
        TestDirs.delete(work);
    }
}
