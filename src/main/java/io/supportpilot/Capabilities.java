package io.supportpilot;

import io.supportpilot.admin.AdminCapability;
import io.supportpilot.config.Config;
import io.supportpilot.web.Capability;
import java.util.ArrayList;
import java.util.List;

/** The engine's capabilities, in start order. Each reads and validates its own config section here. */
final class Capabilities {

  private Capabilities() {
  }

  static List<Capability> create(Config config) {
    List<Capability> list = new ArrayList<>();
    list.add(new AdminCapability());
    // ingestion
    list.add(new io.supportpilot.ingest.IngestCapability(config));
    // spikes
    list.add(new io.supportpilot.spike.SpikesCapability(config));
    // knowledge and triage
    list.add(new io.supportpilot.knowledge.KnowledgeCapability(config));
    // support agent
    list.add(new io.supportpilot.agent.AgentCapability(config));
    // the human desk: conversation queue, customers
    list.add(new io.supportpilot.desk.DeskCapability(config));
    // the learning loop: pattern statistics, suggestions, drafts, optimisation
    list.add(new io.supportpilot.learning.LearningCapability(config));
    // automation rules: triggers, conditions and actions on live traffic
    list.add(new io.supportpilot.rules.RulesCapability(config));
    // proactive support: connections, usage, token-expiry and activity-drop scans
    list.add(new io.supportpilot.proactive.ProactiveCapability(config));
    // the DevOps agent: Sentry errors, unmatched spikes and escalations to analyses and draft fix PRs
    list.add(new io.supportpilot.devops.DevopsCapability(config));
    return list;
  }
}
