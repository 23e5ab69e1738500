package io.supportpilot.bus;

import java.util.List;

/** Read access to the spikes that are open now; offered by the spike capability through {@code Services}. */
public interface ActiveSpikes {

  /** The spikes open now, newest first. Cheap and non-blocking. */
  List<SpikeSummary> active();
}
