package dev.pitr.cli;

import picocli.CommandLine.IVersionProvider;

final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = PitrCommand.class.getPackage().getImplementationVersion();
        return new String[]{"pitr " + (v == null ? "dev" : v)};
    }
}
