package io.pgmux.testkit;

import net.jqwik.api.lifecycle.AroundContainerHook;
import net.jqwik.api.lifecycle.ContainerLifecycleContext;

import java.util.List;

/**
 * {@link LeakCheck} for jqwik property classes, which JUnit Jupiter's extensions do not reach:
 * {@code @AddLifecycleHook(NoNettyLeaks.class)} on the class installs the recording leak detector
 * before the class touches a buffer and fails the class when Netty found a leak by its end.
 */
public final class NoNettyLeaks implements AroundContainerHook {

    @Override
    public void beforeContainer(ContainerLifecycleContext context) {
        LeakCheck.requireInstalled();
    }

    @Override
    public void afterContainer(ContainerLifecycleContext context) {
        List<LeakCheck.Leak> leaks = LeakCheck.collectLeaks();
        if (!leaks.isEmpty()) {
            StringBuilder message = new StringBuilder().append(leaks.size())
                    .append(" Netty resource leak(s) found after ").append(context.label()).append(':');
            leaks.forEach(leak -> message.append("\n\n").append(leak));
            throw new AssertionError(message.toString());
        }
    }
}
