package io.pgmux.proxy.cli;

import io.pgmux.proxy.util.PgmuxVersion;
import picocli.CommandLine.IVersionProvider;

/** What {@code pgmux --version} prints. */
public final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {"pgmux " + PgmuxVersion.current()};
    }
}
