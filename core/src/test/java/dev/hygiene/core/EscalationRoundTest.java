package dev.hygiene.core;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The escalation's rules, one round at a time, without processes: what a round decides from
 * what it saw (the snapshot of membership is made up here), and how the group's state moves.
 */
class EscalationRoundTest {

    private static final long SECOND = 1_000_000_000L;
    private static final StopPolicy TERM = new StopPolicy(null, Duration.ofSeconds(5), "TERM", false);
    private static final StopPolicy LEADER_FIRST = new StopPolicy("db", Duration.ofSeconds(5), "INT", true);

    private static ProcessGroup group(String marker, StopPolicy policy) {
        return new ProcessGroup(100, 7, Containment.GROUP, null, "worker", marker, null, policy);
    }

    private static ProcessGroup cgroupGroup() {
        return new ProcessGroup(100, 7, Containment.CGROUP, "/sys/fs/cgroup/unified/process-hygiene-1-2/c1", "worker",
                null, null, TERM);
    }

    /** Group 100's leader (start time 7), alive. */
    private static final ProcStat LEADER = proc(100, 100, 7, 'S');
    private static final ProcStat MEMBER = proc(101, 100, 8, 'S');
    private static final ProcStat ESCAPEE = proc(200, 200, 9, 'S');
    private static final ProcStat SECOND_ESCAPEE = proc(201, 201, 10, 'S');

    private static ProcStat proc(long pid, long pgrp, long start, char state) {
        return new ProcStat(pid, state, 1, pgrp, pgrp, 0, start);
    }

    /** The state right after the group's first signal at time 0, with its SIGKILL due at 5 s. */
    private static EscalationRound.State signalled() {
        EscalationRound.State p = new EscalationRound.State(0, 5 * SECOND, false);
        p.signalled = true;
        return p;
    }

    private static EscalationRound.Seen seen(List<ProcStat> members, List<ProcStat> escapees, boolean read) {
        return new EscalationRound.Seen(members, escapees, read, false);
    }

    @Test
    void aGroupSeenEmptyIsGoneAndNothingIsSignalled() {
        EscalationRound.Action a = EscalationRound.decide(group(null, TERM), signalled(), seen(List.of(), List.of(), false), SECOND);
        assertTrue(a.gone);
        assertFalse(a.survived);
        assertNull(a.stop);
        assertNull(a.kill);
    }

    @Test
    void membersWithinTheGraceAreLeftAlone() {
        EscalationRound.Action a = EscalationRound.decide(group(null, TERM), signalled(),
                seen(List.of(LEADER, MEMBER), List.of(), false), 4 * SECOND);
        assertFalse(a.gone);
        assertNull(a.stop);
        assertNull(a.kill);
        assertFalse(a.killAll);
    }

    @Test
    void membersLeftAtTheEndOfTheGraceGetSigkill() {
        EscalationRound.Action a = EscalationRound.decide(group(null, TERM), signalled(),
                seen(List.of(LEADER, MEMBER), List.of(), false), 5 * SECOND);
        assertEquals(List.of(LEADER, MEMBER), a.kill);
        assertFalse(a.gone);
        assertFalse(a.killAll, "no cgroup to kill");
    }

    @Test
    void membersLeftAfterSigkillUntilTheGiveUpTimeAreGivenUpOn() {
        EscalationRound.State p = signalled();
        p.killed = true;
        p.deadline = 6 * SECOND;
        EscalationRound.Action before = EscalationRound.decide(group(null, TERM), p, seen(List.of(MEMBER), List.of(), false), 5 * SECOND + 1);
        assertFalse(before.gone);
        assertNull(before.kill, "SIGKILL is sent once");
        EscalationRound.Action after = EscalationRound.decide(group(null, TERM), p, seen(List.of(MEMBER), List.of(), false), 6 * SECOND);
        assertTrue(after.gone);
        assertTrue(after.survived);
    }

    @Test
    void anEscapeeFoundByItsMarkerGetsTheStopSignalOnceAndIsCounted() {
        ProcessGroup g = group("1.2.3", TERM);
        EscalationRound.State p = signalled();
        assertTrue(EscalationRound.needsEnvironments(g, p, SECOND), "the first round reads environments");
        EscalationRound.Action first = EscalationRound.decide(g, p, seen(List.of(LEADER), List.of(ESCAPEE), true), SECOND);
        assertEquals(List.of(ESCAPEE), first.stop);
        assertEquals(1, p.escapeesSeen);
        assertFalse(p.escapeesDue);
        assertFalse(EscalationRound.needsEnvironments(g, p, 2 * SECOND), "not again before SIGKILL is due");
        assertTrue(EscalationRound.needsEnvironments(g, p, 5 * SECOND), "again when SIGKILL is due");
        EscalationRound.Action next = EscalationRound.decide(g, p, seen(List.of(LEADER), List.of(ESCAPEE), false), 2 * SECOND);
        assertNull(next.stop, "an escapee already signalled is not signalled again");
        assertFalse(next.gone, "an escapee alive keeps the group alive");
    }

    @Test
    void escapeesAreMembersWhenSigkillIsDue() {
        ProcessGroup g = group("1.2.3", TERM);
        EscalationRound.State p = signalled();
        p.escapeesDue = false;
        p.escapees = List.of(ESCAPEE);
        EscalationRound.Action a = EscalationRound.decide(g, p, seen(List.of(), List.of(ESCAPEE, SECOND_ESCAPEE), true), 5 * SECOND);
        assertEquals(List.of(ESCAPEE, SECOND_ESCAPEE), a.kill, "every escapee with the group's SIGKILL");
        assertEquals(2, p.escapeesSeen);
    }

    @Test
    void aNewEscapeeOfAKilledGroupGetsSigkill() {
        ProcessGroup g = cgroupGroup();
        EscalationRound.State p = signalled();
        p.killed = true;
        p.deadline = 6 * SECOND;
        EscalationRound.Action a = EscalationRound.decide(g, p, seen(List.of(), List.of(ESCAPEE), false), 5 * SECOND + 1);
        assertEquals(List.of(ESCAPEE), a.kill);
        assertNull(a.stop);
        assertTrue(a.killAll, "cgroup.kill again until the cgroup is empty");
        assertEquals(1, p.escapeesSeen);
    }

    @Test
    void aCgroupIsNotEmptyWhileItIsPopulated() {
        ProcessGroup g = cgroupGroup();
        EscalationRound.Action populated = EscalationRound.decide(g, signalled(),
                new EscalationRound.Seen(List.of(), List.of(), false, true), SECOND);
        assertFalse(populated.gone, "a process below the cgroup (a nested JVM's child) keeps it alive");
        EscalationRound.Action empty = EscalationRound.decide(g, signalled(),
                new EscalationRound.Seen(List.of(), List.of(), false, false), SECOND);
        assertTrue(empty.gone);
    }

    @Test
    void aCgroupGetsCgroupKillWithItsSigkill() {
        EscalationRound.Action a = EscalationRound.decide(cgroupGroup(), signalled(), seen(List.of(LEADER), List.of(), false), 5 * SECOND);
        assertEquals(List.of(LEADER), a.kill);
        assertTrue(a.killAll);
    }

    @Test
    void leaderFirstWaitsForTheLeaderThenStopsTheRest() {
        ProcessGroup g = group("1.2.3", LEADER_FIRST);
        EscalationRound.State p = signalled();
        p.leaderOnly = true;
        EscalationRound.Action waiting = EscalationRound.decide(g, p, seen(List.of(LEADER, MEMBER), List.of(ESCAPEE), true), SECOND);
        assertNull(waiting.stop, "nothing but the leader while it lives, escapees neither");
        assertTrue(p.leaderOnly);
        EscalationRound.Action exited = EscalationRound.decide(g, p, seen(List.of(MEMBER), List.of(ESCAPEE), false), 2 * SECOND);
        assertEquals(List.of(MEMBER, ESCAPEE), exited.stop, "the stop signal to the rest once the leader exited");
        assertFalse(p.leaderOnly);
    }

    @Test
    void aZombieLeaderCountsAsExited() {
        ProcessGroup g = group(null, LEADER_FIRST);
        EscalationRound.State p = signalled();
        p.leaderOnly = true;
        ProcStat zombie = proc(100, 100, 7, 'Z');
        EscalationRound.Action a = EscalationRound.decide(g, p, seen(List.of(zombie, MEMBER), List.of(), false), SECOND);
        assertEquals(List.of(zombie, MEMBER), a.stop);
    }

    @Test
    void aLeaderFirstGroupStillGetsSigkillAtTheEndOfItsGrace() {
        ProcessGroup g = group(null, LEADER_FIRST);
        EscalationRound.State p = signalled();
        p.leaderOnly = true;
        EscalationRound.Action a = EscalationRound.decide(g, p, seen(List.of(LEADER, MEMBER), List.of(), false), 5 * SECOND);
        assertEquals(List.of(LEADER, MEMBER), a.kill);
    }
}
