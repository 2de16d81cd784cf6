package io.pgmux.proxy.sql;

import java.util.Objects;

/**
 * One thing a statement does to a {@link SessionFeature}: takes one, gives one back by name, or
 * gives back all of its kind; or {@code DISCARD ALL}, which gives back everything.
 *
 * @param feature what it concerns; null for {@link Action#DISCARD_ALL}
 * @param name    the channel, temp object or cursor, folded as Postgres folds names; null when the
 *                feature has no names (advisory locks, LOAD) or for a give-back of all
 */
public record FeatureUse(SessionFeature feature, Action action, String name) {
    public enum Action { TAKE, GIVE_BACK, GIVE_BACK_ALL, DISCARD_ALL }

    public static final FeatureUse DISCARD_ALL = new FeatureUse(null, Action.DISCARD_ALL, null);

    public FeatureUse {
        Objects.requireNonNull(action, "action");
        if ((feature == null) != (action == Action.DISCARD_ALL)) {
            throw new IllegalArgumentException("only DISCARD ALL concerns no one feature");
        }
    }

    static FeatureUse take(SessionFeature feature, String name) {
        return new FeatureUse(feature, Action.TAKE, name);
    }

    static FeatureUse giveBack(SessionFeature feature, String name) {
        return new FeatureUse(feature, Action.GIVE_BACK, name);
    }

    static FeatureUse giveBackAll(SessionFeature feature) {
        return new FeatureUse(feature, Action.GIVE_BACK_ALL, null);
    }

    public boolean takes() {
        return action == Action.TAKE;
    }
}
