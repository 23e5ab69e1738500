package io.supportpilot.bus;

import java.util.List;

/** Read access to the spikes that are open now; the spike capability offers it to the support agent's tools. */
public interface ActiveSpikes {

  /** The spikes open now, newest first. Cheap and non-blocking. */
  List<SpikeSummary> active();
}
