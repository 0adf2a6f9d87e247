package dev.hygiene.core;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * One rule of the configuration: {@code rule.NAME.match} (a Java regular expression, found in the
 * child's command line, arguments joined by single spaces, as {@code keep}) and what it changes for
 * the children it matches: {@code rule.NAME.grace}, {@code rule.NAME.stop-signal},
 * {@code rule.NAME.stop}, or {@code rule.NAME.keep=true} (left alone entirely). What a rule does
 * not set comes from the defaults. The first rule that matches a child applies to it.
 */
final class StopRule {

    final String name;
    final Pattern match;
    /** Null where the rule leaves it to the defaults. */
    final Duration grace;
    final String signal;
    final Boolean leaderFirst;
    final boolean keep;

    StopRule(String name, Pattern match, Duration grace, String signal, Boolean leaderFirst, boolean keep) {
        this.name = name;
        this.match = match;
        this.grace = grace;
        this.signal = signal;
        this.leaderFirst = leaderFirst;
        this.keep = keep;
    }

    boolean matches(String commandLine) {
        return match.matcher(commandLine).find();
    }

    /** The policy of a child this rule matches, DEFAULTS filling what it does not set. */
    StopPolicy apply(StopPolicy defaults) {
        return new StopPolicy(name, grace != null ? grace : defaults.grace, signal != null ? signal : defaults.signal,
                leaderFirst != null ? leaderFirst : defaults.leaderFirst);
    }
}
