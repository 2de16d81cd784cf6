package io.pgmux.proxy.cli;

import io.pgmux.proxy.convert.PgBouncerConversion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code pgmux convert-config pgbouncer.ini [userlist.txt] > pgmux.yaml}: the YAML on standard
 * output, on standard error one line for each key that could not be carried and why.
 */
@Command(name = "convert-config",
        mixinStandardHelpOptions = true,
        description = {
            "Writes a PgBouncer configuration as a pgmux.yaml on standard output: [databases], [users], the"
                    + " [pgbouncer] keys pgmux has, %%include, and the users of the auth file.",
            "Each key that cannot be carried is named on standard error, with the reason."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:converted (see standard error for what was not carried)", "2:a file cannot be read"})
public final class ConvertConfigCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PGBOUNCER_INI", description = "pgbouncer.ini")
    Path ini;

    @Parameters(index = "1", arity = "0..1", paramLabel = "AUTH_FILE",
            description = "userlist.txt (default: the ini file's auth_file)")
    Path authFile;

    @Override
    public Integer call() {
        PgBouncerConversion conversion;
        try {
            conversion = PgBouncerConversion.convert(ini, authFile);
        } catch (NoSuchFileException e) {
            spec.commandLine().getErr().println("pgmux convert-config: no such file: " + e.getMessage());
            return PgmuxCommand.EXIT_BAD_CONFIG;
        } catch (IOException e) {
            spec.commandLine().getErr().println("pgmux convert-config: " + e.getMessage());
            return PgmuxCommand.EXIT_BAD_CONFIG;
        }
        spec.commandLine().getOut().print(conversion.yaml());
        spec.commandLine().getOut().flush();
        conversion.notes().forEach(note -> spec.commandLine().getErr().println("not carried: " + note));
        spec.commandLine().getErr().flush();
        return PgmuxCommand.EXIT_OK;
    }
}
