package io.supportpilot.rules;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.IDN;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A rule as an operator sends it (create, replace, dry run), validated: name, trigger type, the condition compiled
 * against the trigger's schema, and each action's config. Every fault is an {@link InvalidRule} naming its path.
 */
record RuleDraft(String name, TriggerType triggerType, JsonObject conditionJson, Condition condition,
    List<Action> actions, Boolean enabled) {

  static final int MAX_NAME = 200;
  static final int MAX_ACTIONS = 10;
  static final Set<String> PRIORITIES = Set.of("low", "normal", "high", "urgent");
  static final Set<String> TEMPLATES = Set.of("escalation_alert", "rule_alert");
  private static final Pattern CATEGORY = Pattern.compile("[a-z0-9][a-z0-9_-]{0,49}");
  private static final Pattern EMAIL = Pattern.compile("[^@\\s]{1,64}@[^@\\s]{1,190}\\.[^@\\s]{1,63}");

  /**
   * Validates a rule body; {@code allowedHosts} are webhook hosts the operator allows despite private addresses
   * (null skips that check: rules already saved are checked again when a webhook is sent).
   */
  static RuleDraft parse(JsonObject body, Set<String> allowedHosts) {
    Object n = body.getValue("name");
    if (!(n instanceof String) || ((String) n).isBlank()) {
      throw new InvalidRule("name", "is required (a non-empty string)");
    }
    String name = ((String) n).strip();
    if (name.length() > MAX_NAME) {
      throw new InvalidRule("name", "is longer than " + MAX_NAME + " characters");
    }
    TriggerType type = TriggerType.parse(body.getValue("trigger_type"));
    if (type == null) {
      throw new InvalidRule("trigger_type", "must be one of error, ticket, pattern, schedule");
    }
    Object cond = body.getValue("trigger_condition");
    if (cond != null && !(cond instanceof JsonObject)) {
      throw new InvalidRule("trigger_condition", "must be a JSON object");
    }
    JsonObject conditionJson = cond == null ? new JsonObject() : (JsonObject) cond;
    Condition condition = ConditionCompiler.compile(conditionJson, Schema.of(type), "trigger_condition");
    Object acts = body.getValue("actions");
    if (!(acts instanceof JsonArray) || ((JsonArray) acts).isEmpty()) {
      throw new InvalidRule("actions", "must be a non-empty array of {\"type\", \"config\"}");
    }
    JsonArray arr = (JsonArray) acts;
    if (arr.size() > MAX_ACTIONS) {
      throw new InvalidRule("actions", "at most " + MAX_ACTIONS + " actions per rule");
    }
    List<Action> actions = new ArrayList<>();
    for (int i = 0; i < arr.size(); i++) {
      actions.add(action(arr.getValue(i), "actions[" + i + "]", type, allowedHosts));
    }
    Object en = body.getValue("enabled");
    if (en != null && !(en instanceof Boolean)) {
      throw new InvalidRule("enabled", "must be true or false");
    }
    return new RuleDraft(name, type, conditionJson, condition, List.copyOf(actions), (Boolean) en);
  }

  /** Whether a new rule starts enabled: yes unless the body says {@code "enabled": false}. */
  boolean enabledOnCreate() {
    return enabled == null || enabled;
  }

  boolean hasWebhook() {
    return actions.stream().anyMatch(a -> a.type() == Action.Type.WEBHOOK);
  }

  JsonArray actionsJson() {
    JsonArray a = new JsonArray();
    actions.forEach(x -> a.add(x.toJson()));
    return a;
  }

  private static Action action(Object v, String at, TriggerType trigger, Set<String> allowedHosts) {
    if (!(v instanceof JsonObject)) {
      throw new InvalidRule(at, "must be an object {\"type\", \"config\"}");
    }
    JsonObject o = (JsonObject) v;
    Action.Type type = Action.Type.parse(o.getValue("type"));
    if (type == null) {
      throw new InvalidRule(at + ".type", "must be one of create_ticket, send_email, trigger_agent, escalate, webhook");
    }
    Object c = o.getValue("config");
    if (c != null && !(c instanceof JsonObject)) {
      throw new InvalidRule(at + ".config", "must be an object");
    }
    JsonObject config = c == null ? new JsonObject() : ((JsonObject) c).copy();
    String cat = at + ".config";
    switch (type) {
      case CREATE_TICKET:
        if (trigger != TriggerType.ERROR) {
          throw new InvalidRule(at + ".type", "create_ticket needs an error trigger (the other triggers already "
              + "concern a conversation)");
        }
        known(config, cat, "priority", "category");
        oneOf(config, cat, "priority", PRIORITIES);
        if (config.containsKey("category") && !(config.getValue("category") instanceof String
            && CATEGORY.matcher(config.getString("category")).matches())) {
          throw new InvalidRule(cat + ".category", "must be 1-50 lower-case letters, digits, '_' or '-'");
        }
        break;
      case SEND_EMAIL:
        known(config, cat, "template", "to");
        if (!config.containsKey("template")) {
          config.put("template", "rule_alert");
        }
        oneOf(config, cat, "template", TEMPLATES);
        if (config.containsKey("to") && !(config.getValue("to") instanceof String
            && EMAIL.matcher(config.getString("to")).matches())) {
          throw new InvalidRule(cat + ".to", "must be an e-mail address");
        }
        break;
      case TRIGGER_AGENT:
        known(config, cat, "agent");
        if (!config.containsKey("agent")) {
          config.put("agent", "support");
        }
        oneOf(config, cat, "agent", Set.of("support", "devops"));
        break;
      case ESCALATE:
        known(config, cat, "to");
        if (!config.containsKey("to")) {
          config.put("to", "admin");
        }
        oneOf(config, cat, "to", Set.of("admin", "devops"));
        break;
      default:
        known(config, cat, "url");
        webhookUrl(config.getValue("url"), cat + ".url", allowedHosts);
    }
    return new Action(type, config);
  }

  /** Checks a webhook URL's form; literal private addresses are refused here, host names when sending. */
  static URI webhookUrl(Object v, String at, Set<String> allowedHosts) {
    if (!(v instanceof String) || ((String) v).length() > 2000) {
      throw new InvalidRule(at, "is required: an http or https URL of at most 2000 characters");
    }
    URI u;
    try {
      u = new URI((String) v);
    } catch (URISyntaxException e) {
      throw new InvalidRule(at, "is not a valid URL");
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || u.getHost() == null || u.getUserInfo() != null) {
      throw new InvalidRule(at, "must be an http or https URL with a host and no user info");
    }
    String host = IDN.toASCII(u.getHost().replace("[", "").replace("]", "")).toLowerCase(Locale.ROOT);
    if (allowedHosts == null || allowedHosts.contains(host)) {
      return u;
    }
    InetAddress literal;
    try {
      literal = WebhookTargets.literal(host);
    } catch (IllegalArgumentException e) {
      throw new InvalidRule(at, "is not a valid address");
    }
    if (WebhookTargets.isLocalName(host) || literal != null && WebhookTargets.isPrivate(literal)) {
      throw new InvalidRule(at, "points to a private, loopback or link-local address; allow the host in "
          + "rules.webhook-allowed-hosts if this is intended");
    }
    return u;
  }

  private static void known(JsonObject config, String at, String... keys) {
    Set<String> allowed = Set.of(keys);
    for (String k : config.fieldNames()) {
      if (!allowed.contains(k)) {
        throw new InvalidRule(at + "." + k, "unknown setting; known: " + String.join(", ", keys));
      }
    }
  }

  private static void oneOf(JsonObject config, String at, String key, Set<String> allowed) {
    if (config.containsKey(key) && !(config.getValue(key) instanceof String && allowed.contains(config.getString(key)))) {
      throw new InvalidRule(at + "." + key, "must be one of " + String.join(", ", new TreeSet<>(allowed)));
    }
  }
}
