package dev.pitr.source;

import dev.pitr.core.ExitCode;
import dev.pitr.core.PitrException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SourceUrlTest {
    @Test
    void eachToolsLocationIsReadAsItsOwn() {
        assertThat(SourceUrl.parse("pgbackrest://main")).isEqualTo(new SourceUrl.PgBackRest("main"));
        assertThat(SourceUrl.parse("barman-cloud+s3://backups/pg/prod/shop"))
                .isEqualTo(new SourceUrl.BarmanCloud("backups", "pg/prod", "shop"));
        assertThat(SourceUrl.parse("barman-cloud+s3://backups/shop")).hasToString("barman-cloud+s3://backups/shop");
        assertThat(SourceUrl.parse("s3://acme/shop").kind()).isEqualTo(SourceKind.PITR);
        assertThat(Sources.foreignOwner("file:///srv/pitr")).isEmpty();
        assertThat(Sources.foreignOwner("pgbackrest://main")).contains(SourceKind.PGBACKREST);
    }

    @Test
    void malformedLocationsAreUsageErrorsNamingTheExpectedForm() {
        assertThatThrownBy(() -> SourceUrl.parse("pgbackrest://"))
                .isInstanceOfSatisfying(PitrException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE))
                .hasMessageContaining("pgbackrest://STANZA");
        assertThatThrownBy(() -> SourceUrl.parse("pgbackrest://a/b")).hasMessageContaining("not a pgBackRest stanza");
        assertThatThrownBy(() -> SourceUrl.parse("barman-cloud+s3://onlybucket"))
                .hasMessageContaining("barman-cloud+s3://BUCKET[/PREFIX]/SERVER");
    }

    @Test
    void aWriteIntoAnotherToolsRepositoryIsRefusedNamingTheToolThatWritesIt() {
        assertThatThrownBy(() -> Sources.requireWritable("pgbackrest://main", "pitr wal push"))
                .isInstanceOfSatisfying(PitrException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE))
                .hasMessage("pgbackrest://main is pgBackRest's repository: pitr reads it and never writes it, so 'pitr"
                        + " wal push' is refused (pgBackRest writes it: pgbackrest archive-push / backup / expire)");
        Sources.requireWritable("s3://acme/shop", "pitr wal push"); // its own: no refusal
    }
}
