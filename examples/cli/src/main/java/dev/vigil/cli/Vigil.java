package dev.vigil.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code vigil} command: file watching and crash supervision from a shell. Exit statuses: 0 done (also after
 * SIGINT/SIGTERM), 1 a failure while running, 2 bad input (arguments, roots, patterns), or the child's own status for
 * {@code supervise}.
 */
@Command(name = "vigil", mixinStandardHelpOptions = true, versionProvider = Vigil.Version.class,
        description = "File watching and crash supervision on the command line.",
        subcommands = {WatchCommand.class, ExecCommand.class, SuperviseCommand.class, DumpCommand.class,
                CommandLine.HelpCommand.class})
public final class Vigil {

    /** Exit status for bad input: a missing root, a bad pattern, a bad option value. */
    static final int USAGE = 2;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The command line with the error handling every subcommand shares: one line, no stack trace. */
    static CommandLine commandLine() {
        return new CommandLine(new Vigil())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    String name = cmd.getCommandName();
                    if (e instanceof UserError) {
                        cmd.getErr().println("vigil " + name + ": " + e.getMessage());
                        return USAGE;
                    }
                    cmd.getErr().println("vigil " + name + ": " + Messages.oneLine(e));
                    if (System.getenv("VIGIL_DEBUG") != null) {
                        e.printStackTrace(cmd.getErr());
                    }
                    return 1;
                });
    }

    /** The version of the tool and of the library it runs on. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String lib = dev.vigil.watch.FileWatcher.class.getPackage().getImplementationVersion();
            return new String[] {"vigil " + (lib != null ? lib : "(development build)") + ", Java "
                    + System.getProperty("java.version") + " (" + System.getProperty("java.home") + ")"};
        }
    }
}
