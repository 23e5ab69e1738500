package io.supportpilot.bus;

/** Every event-bus address in one place. Local bus only; messages are immutable records. */
public final class Addresses {

  /** Published after each committed batch of new errors: {@link StoredErrors}. Spike counters listen. */
  public static final String ERRORS_STORED = "supportpilot.errors.stored";
  /** Published when an auto-ticket is created or updated: {@link TicketEvent}. The support agent listens. */
  public static final String TICKETS_CHANGED = "supportpilot.tickets.changed";
  /** Published when a customer opens a conversation or adds a message (conversation id as String). */
  public static final String CONVERSATION_ACTIVITY = "supportpilot.conversations.activity";
  /** Published when a DevOps task was created: a JsonObject (id, type, details); the DevOps verticle works it. */
  public static final String DEVOPS_TASKS = "supportpilot.devops.tasks";
  /** Published for admins: a notification as a JsonObject (kind, title, details). */
  public static final String ADMIN_NOTIFICATIONS = "supportpilot.admin.notifications";
  /** Published on spike lifecycle changes (started, updated, ended): {@link SpikeChange}. */
  public static final String SPIKES = "supportpilot.spikes";
  /** Request: rotate the spike windows to the clock now and re-evaluate open spikes; replies a JsonObject. */
  public static final String SPIKES_TICK = "supportpilot.spikes.tick";
  /** Request (an error type, or "" for the overview): the live spike counters as a JsonObject. */
  public static final String SPIKES_COUNTERS = "supportpilot.spikes.counters";

  /** Ingestion internal: error batches to the group-commit writers (request/reply, {@link WriteRequest}). */
  public static final String ERRORS_WRITE = "supportpilot.errors.write";
  /** Ingestion internal: committed rows with the ticket id each got, for auto-ticket work ({@link TicketWork}). */
  public static final String TICKET_WORK = "supportpilot.tickets.work";

  /** Request: run one scan of the support agent's open conversations now (tests, operators); replies when done. */
  public static final String AGENT_SCAN_NOW = "supportpilot.agent.scan";

  /** Request: run one pass of the schedule rules now (tests, operators); replies the number of firings. */
  public static final String RULES_SCHEDULE_NOW = "supportpilot.rules.schedule";
  /** Request: write the rule counters and run outcomes gathered in memory now; replies true. */
  public static final String RULES_FLUSH = "supportpilot.rules.flush";

  /** Scaled mode: partitions of the error topic assigned to this instance: {@link PartitionsAssigned}. */
  public static final String PARTITIONS_ASSIGNED = "supportpilot.partitions.assigned";
  /** Scaled mode: partitions revoked from this instance: {@link PartitionsAssigned}. */
  public static final String PARTITIONS_REVOKED = "supportpilot.partitions.revoked";

  /** Learning: the patterns that contributed to a conversation's triage decision, as a JsonObject
   * ({@code conversation_id}, {@code pattern_ids}); batched into exact pattern statistics. */
  public static final String PATTERNS_TRIGGERED = "supportpilot.learning.patterns-triggered";
  /** Learning: request to run the learning jobs now; replies a JsonObject summary. */
  public static final String LEARNING_RUN = "supportpilot.learning.run";

  private Addresses() {
  }
}
