package dev.pitr.cli;

import dev.pitr.safety.Confirmation;
import dev.pitr.config.SettingsResolver;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

@Command(name = "pitr", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Point-in-time recovery for PostgreSQL: archive WAL, find the mistake, restore just before it.",
        exitCodeListHeading = "%nExit codes:%n",
        footer = {"%nConfiguration: --config FILE, PITR_CONFIG, ./pitr.yaml or /etc/pitr/pitr.yaml.",
                "Flags override PITR_* environment variables, which override the file."})
public final class PitrCommand implements Runnable {
    /**
     * The commands, in the order --help lists them. They are registered by {@link #commandsFor}, not in the
     * annotation: picocli builds the model of every command it is given, which took 0.15 s of each run.
     */
    static final List<Class<?>> COMMANDS = List.of(WalCommand.class, BackupCommand.class,
            InfoCommand.class, ExpireCommand.class, TargetCommand.class, RestoreCommand.class, VerifyCommand.class,
            DrillCommand.class, SalvageCommand.class, CheckCommand.class, MetricsCommand.class, AuditCommand.class, RepoCommand.class,
            CompletionCommand.class, TrainCdsCommand.class, WriteHelpCommand.class);

    /** The global options that take a value: the word after one is never the command's name. */
    private static final Set<String> WITH_VALUE = Set.of("--config", "--cluster", "--repo",
            "--confirm-cluster");

    /**
     * The command {@code args} name, alone, when the first word that is neither an option nor an option's
     * value names one; every command otherwise (--help, a mistyped name: picocli lists or suggests them).
     */
    static List<Class<?>> commandsFor(String[] args) {
        return named(args, 0, COMMANDS).map(List::<Class<?>>of).orElse(COMMANDS);
    }

    /** Registers on {@code cli} the commands {@code args} need: {@link #commandsFor}, and in 'wal' its one subcommand. */
    static void register(CommandLine cli, String[] args) {
        for (Class<?> command : commandsFor(args)) {
            List<Class<?>> subcommands = GROUPS.get(command);
            if (subcommands == null) {
                cli.addSubcommand(command);
                continue;
            }
            CommandLine group = new CommandLine(command);
            String name = command.getAnnotation(Command.class).name();
            int after = Arrays.asList(args).indexOf(name) + 1;
            named(args, after, subcommands).map(List::<Class<?>>of).orElse(subcommands).forEach(group::addSubcommand);
            cli.addSubcommand(group);
        }
    }

    /** Every command and subcommand, with the exit codes: what completion and the man pages describe. */
    static CommandLine everyCommand() {
        CommandLine all = new CommandLine(new PitrCommand(Map.of(), Path.of("")));
        register(all, new String[0]);
        Main.listExitCodes(all);
        return all;
    }

    /** The commands with subcommands of their own, registered the same way: only the one a run names. */
    private static final Map<Class<?>, List<Class<?>>> GROUPS = Map.of(WalCommand.class, WalCommand.SUBCOMMANDS,
            RestoreCommand.class, RestoreCommand.SUBCOMMANDS, BackupCommand.class, BackupCommand.SUBCOMMANDS);

    /** The command among {@code choices} that the first word from {@code from} names (skipping options). */
    private static Optional<Class<?>> named(String[] args, int from, List<Class<?>> choices) {
        for (int i = Math.max(0, from); i < args.length; i++) {
            String a = args[i];
            if (a.equals("--")) {
                break;
            }
            if (WITH_VALUE.contains(a)) {
                i++;
            } else if (!a.startsWith("-")) {
                return choices.stream().filter(c -> c.getAnnotation(Command.class).name().equals(a)).findFirst();
            }
        }
        return Optional.empty();
    }

    @Option(names = "--config", paramLabel = "FILE", scope = ScopeType.INHERIT,
            description = "pitr.yaml to read (default: PITR_CONFIG, ./pitr.yaml, /etc/pitr/pitr.yaml)")
    Path config;

    @Option(names = "--cluster", paramLabel = "NAME", scope = ScopeType.INHERIT,
            description = "cluster section of the config to use (default: PITR_CLUSTER or default-cluster)")
    String cluster;

    @Option(names = "--repo", paramLabel = "URL", scope = ScopeType.INHERIT,
            description = "repository: s3://BUCKET[/PREFIX] or file:///PATH (default: PITR_REPO or the config)")
    String repo;

    @Option(names = "--json", scope = ScopeType.INHERIT, description = "machine-readable JSON on stdout")
    boolean json;

    @Option(names = "--no-color", scope = ScopeType.INHERIT, description = "no ANSI colours (also NO_COLOR)")
    boolean noColor;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT, description = "say what is happening on stderr")
    boolean verbose;

    @Option(names = "--yes", scope = ScopeType.INHERIT, description = "confirm a change without a terminal prompt")
    boolean yes;

    @Option(names = "--confirm-cluster", paramLabel = "NAME", scope = ScopeType.INHERIT,
            description = "with --yes on production: the cluster's name, typed out")
    String confirmCluster;

    private final Map<String, String> env;
    private final Path cwd;
    private Session session;

    PitrCommand(Map<String, String> env, Path cwd) {
        this.env = env;
        this.cwd = cwd;
    }

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                "a command is required (try 'pitr --help')");
    }

    /** The run's settings, output and (lazily opened) repository, shared by whichever command runs. */
    Session session(PrintWriter out, PrintWriter err) {
        if (session == null) {
            SettingsResolver resolver = new SettingsResolver(env, cwd);
            var flags = new SettingsResolver.Flags(Optional.ofNullable(config), Optional.ofNullable(cluster),
                    Optional.ofNullable(repo));
            boolean color = !noColor && !env.containsKey("NO_COLOR") && System.console() != null;
            session = new Session(resolver.resolve(flags), new Output(out, err, json, color, verbose), cwd, env,
                    new Confirmation.Options(yes, Optional.ofNullable(confirmCluster)));
        }
        return session;
    }

    /** The global flags of this run, for a helper process that must see the same configuration. */
    List<String> inheritedArgs() {
        List<String> args = new ArrayList<>();
        if (config != null) {
            args.addAll(List.of("--config", cwd.resolve(config).toString()));
        }
        if (cluster != null) {
            args.addAll(List.of("--cluster", cluster));
        }
        if (repo != null) {
            args.addAll(List.of("--repo", repo));
        }
        if (verbose) {
            args.add("--verbose");
        }
        return args;
    }

    void verboseCause(PrintWriter err, Throwable e) {
        if (verbose && e.getCause() != null) {
            err.println("pitr: caused by: " + e.getCause());
        }
    }
}
