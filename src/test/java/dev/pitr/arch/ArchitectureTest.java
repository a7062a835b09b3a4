package dev.pitr.arch;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The package layering of docs/architecture.md, kept: no cycle between packages, and a package uses only
 * packages below it (lower packages never import upper ones).
 */
class ArchitectureTest {
    /** Lowest first; packages of one rank do not use each other. */
    static final Map<String, Integer> RANK = Map.ofEntries(Map.entry("core", 0), Map.entry("repo", 1),
            Map.entry("pg", 1), Map.entry("config", 2), Map.entry("crypto", 3), Map.entry("wal", 3), Map.entry("backup", 4),
            Map.entry("verify", 4), Map.entry("source", 5), Map.entry("metrics", 5), Map.entry("restore", 6), Map.entry("target", 7),
            Map.entry("safety", 7), Map.entry("salvage", 8), Map.entry("drill", 8), Map.entry("cli", 9));

    static final JavaClasses CLASSES = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.pitr");

    @Test
    void packagesHaveNoCycles() {
        slices().matching("dev.pitr.(*)..").should().beFreeOfCycles().check(CLASSES);
    }

    @Test
    void aPackageUsesOnlyPackagesBelowIt() {
        List<String> wrong = new ArrayList<>();
        TreeSet<String> unranked = new TreeSet<>();
        for (JavaClass c : CLASSES) {
            String from = topPackage(c);
            if (!RANK.containsKey(from)) {
                unranked.add(from);
                continue;
            }
            for (Dependency d : c.getDirectDependenciesFromSelf()) {
                String to = topPackage(d.getTargetClass());
                if (to.isEmpty() || to.equals(from)) {
                    continue;
                }
                if (!RANK.containsKey(to) || RANK.get(to) >= RANK.get(from)) {
                    wrong.add(c.getName() + " -> " + d.getTargetClass().getName());
                }
            }
        }
        assertThat(unranked).as("every package has its place in the layering").isEmpty();
        assertThat(wrong.stream().distinct().toList()).isEmpty();
    }

    /**
     * Inside {@code target}: reading logs ({@code target.log}), reading SQL ({@code target.sql}) and reading the
     * WAL for what was done to a table ({@code target.wal}) are parts the finder ({@code target}) puts together;
     * none of them uses the finder or another part.
     */
    @Test
    void theTargetSearchsPartsStandAlone() {
        List<String> parts = List.of("dev.pitr.target.log", "dev.pitr.target.sql", "dev.pitr.target.wal");
        List<String> wrong = new ArrayList<>();
        for (JavaClass c : CLASSES) {
            String from = c.getPackageName();
            if (!parts.contains(from)) {
                continue;
            }
            for (Dependency d : c.getDirectDependenciesFromSelf()) {
                String to = d.getTargetClass().getPackageName();
                if (!to.equals(from) && (to.equals("dev.pitr.target") || parts.contains(to))) {
                    wrong.add(c.getName() + " -> " + d.getTargetClass().getName());
                }
            }
        }
        assertThat(wrong.stream().distinct().toList()).isEmpty();
    }

    private static String topPackage(JavaClass c) {
        String p = c.getPackageName();
        if (!p.startsWith("dev.pitr.")) {
            return "";
        }
        String rest = p.substring("dev.pitr.".length());
        int dot = rest.indexOf('.');
        return dot < 0 ? rest : rest.substring(0, dot);
    }
}
