package io.supportpilot;

import io.supportpilot.admin.AdminCapability;
import io.supportpilot.agent.AgentCapability;
import io.supportpilot.config.Config;
import io.supportpilot.desk.DeskCapability;
import io.supportpilot.devops.DevopsCapability;
import io.supportpilot.ingest.IngestCapability;
import io.supportpilot.knowledge.KnowledgeCapability;
import io.supportpilot.learning.LearningCapability;
import io.supportpilot.proactive.ProactiveCapability;
import io.supportpilot.rules.RulesCapability;
import io.supportpilot.spike.SpikesCapability;
import io.supportpilot.web.Capability;
import java.util.ArrayList;
import java.util.List;

/** The engine's capabilities, in start order. Each reads and validates its own config section here. */
final class Capabilities {

  private Capabilities() {
  }

  static List<Capability> create(Config config) {
    List<Capability> list = new ArrayList<>();
    AdminCapability admin = new AdminCapability();
    list.add(admin);
    // ingestion
    list.add(new IngestCapability(config));
    // spikes
    SpikesCapability spikes = new SpikesCapability(config);
    list.add(spikes);
    // knowledge and triage
    KnowledgeCapability knowledge = new KnowledgeCapability(config);
    list.add(knowledge);
    // support agent
    AgentCapability agent = new AgentCapability(config, knowledge::triage, spikes::activeSpikes);
    list.add(agent);
    // the human desk: conversation queue, customers
    list.add(new DeskCapability(config, admin::names));
    // the learning loop: pattern statistics, suggestions, drafts, optimisation
    list.add(new LearningCapability(config, knowledge::service, agent::gateway));
    // automation rules: triggers, conditions and actions on live traffic
    list.add(new RulesCapability(config));
    // proactive support: connections, usage, token-expiry and activity-drop scans
    list.add(new ProactiveCapability(config));
    // the DevOps agent: Sentry errors, unmatched spikes and escalations to analyses and draft fix PRs
    list.add(new DevopsCapability(config, agent::gateway));
    return list;
  }
}
