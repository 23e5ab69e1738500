package io.supportpilot.agent;

import io.supportpilot.bus.TicketEvent;
import io.vertx.core.Future;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Function;

/**
 * The agent's bounded work queue: customer questions before auto-tickets, at most {@code maxRuns} conversations
 * worked on at once and at most {@code maxQueued} waiting. A conversation offered beyond that is deferred, not
 * lost: it stays unanswered in Postgres and the agent's periodic scan offers it again. Confined to the agent
 * verticle's context (no locks).
 */
final class AgentQueue {

  /** One conversation to work on, with the ticket event that announced it (null when there was none). */
  record Job(String id, TicketEvent ticket) {
  }

  private final ArrayDeque<Job> customers = new ArrayDeque<>();
  private final ArrayDeque<Job> background = new ArrayDeque<>();
  private final Set<String> waiting = new HashSet<>();
  private final int maxRuns;
  private final int maxQueued;
  private final Function<Job, Future<?>> runner;
  private int active;
  private boolean pumping;

  AgentQueue(int maxRuns, int maxQueued, Function<Job, Future<?>> runner) {
    this.maxRuns = maxRuns;
    this.maxQueued = maxQueued;
    this.runner = runner;
  }

  /**
   * Queues a conversation ({@code customer}: ahead of auto-tickets and retries); false when it was deferred
   * because the queue is full. A conversation already waiting is not queued twice (its run reads the store then).
   */
  boolean offer(String id, TicketEvent ticket, boolean customer) {
    if (waiting.contains(id)) {
      return true;
    }
    if (waiting.size() >= maxQueued) {
      return false;
    }
    waiting.add(id);
    (customer ? customers : background).addLast(new Job(id, ticket));
    pump();
    return true;
  }

  /** Conversations waiting (not counting those being worked on). */
  int waiting() {
    return waiting.size();
  }

  /** Conversations being worked on. */
  int active() {
    return active;
  }

  /** How many more conversations can be queued now. */
  int free() {
    return Math.max(0, maxQueued - waiting.size());
  }

  private void pump() {
    if (pumping) {
      return; // a run that completed at once while we start runs: the loop below goes on
    }
    pumping = true;
    try {
      while (active < maxRuns) {
        Job j = customers.pollFirst();
        if (j == null) {
          j = background.pollFirst();
        }
        if (j == null) {
          return;
        }
        waiting.remove(j.id());
        active++;
        Future<?> run;
        try {
          run = runner.apply(j);
        } catch (RuntimeException e) {
          run = Future.failedFuture(e);
        }
        run.onComplete(ar -> {
          active--;
          pump();
        });
      }
    } finally {
      pumping = false;
    }
  }
}
