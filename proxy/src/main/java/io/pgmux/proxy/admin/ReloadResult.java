package io.pgmux.proxy.admin;

import java.util.List;

/**
 * The outcome of a RELOAD or SIGHUP: {@code errors} (nothing was changed) or the top-level settings
 * that changed; {@code notices} name settings that changed in the file but need a restart.
 */
public record ReloadResult(List<String> errors, List<String> changed, List<String> notices) {

    public ReloadResult {
        errors = List.copyOf(errors);
        changed = List.copyOf(changed);
        notices = List.copyOf(notices);
    }

    public static ReloadResult failed(List<String> errors) {
        return new ReloadResult(errors, List.of(), List.of());
    }

    public boolean ok() {
        return errors.isEmpty();
    }
}
