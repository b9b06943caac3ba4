package dev.vigil.examples.fleet;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** {@code --name value} command-line options; a bad command line ends the program with the usage. */
final class Args {
    private Args() {
    }

    static Map<String, String> parse(String[] args, Set<String> known, Set<String> required, String usage) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!known.contains(args[i]) || i + 1 == args.length) {
                fail((known.contains(args[i]) ? "missing value for " : "unknown option ") + args[i], usage);
            }
            options.put(args[i], args[i + 1]);
        }
        for (String name : required) {
            if (!options.containsKey(name)) {
                fail("missing " + name, usage);
            }
        }
        return options;
    }

    private static void fail(String what, String usage) {
        System.err.println(what + "\nusage: " + usage);
        System.exit(64);
    }
}
