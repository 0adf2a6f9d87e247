package dev.hygiene.core;

import java.time.Duration;

/**
 * How one child is stopped: its first signal ({@code stop-signal}), whether its leader gets it
 * alone first ({@code stop=leader-first}), and the grace before SIGKILL. The configuration's
 * defaults, or those of the first rule of the configuration file that matches the child's command
 * line ({@link StopRule}).
 */
public final class StopPolicy {

    /** The rule's name; null for the defaults. */
    public final String rule;
    public final Duration grace;
    /** TERM, INT, HUP, QUIT, USR1 or USR2 (without SIG). */
    public final String signal;
    /**
     * True with {@code stop=leader-first}: the stop signal to the leader only; once it has exited,
     * to the rest; SIGKILL to whatever is left at the end of the grace, as always. False
     * ({@code stop=group}): the stop signal to the whole group at once.
     */
    public final boolean leaderFirst;

    public StopPolicy(String rule, Duration grace, String signal, boolean leaderFirst) {
        this.rule = rule;
        this.grace = grace;
        this.signal = signal;
        this.leaderFirst = leaderFirst;
    }

    /** group or leader-first, as configured. */
    public String mode() {
        return leaderFirst ? HelperProtocol.MODE_LEADER_FIRST : HelperProtocol.MODE_GROUP;
    }

    /** For status and messages: {@code SIGINT, leader-first, grace 30s, rule postgres}. */
    public String describe() {
        return "SIG" + signal + ", " + mode() + ", grace " + Config.format(grace) + (rule == null ? "" : ", rule " + rule);
    }

    @Override
    public String toString() {
        return describe();
    }
}
