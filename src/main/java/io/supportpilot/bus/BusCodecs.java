package io.supportpilot.bus;

import io.vertx.core.eventbus.EventBus;
import java.util.List;

/**
 * The local codecs of every record sent on the event bus, registered once per Vert.x instance by whoever builds
 * it (the engine, or a test that deploys verticles on its own Vert.x). Registering twice is a programming error and
 * fails loudly.
 */
public final class BusCodecs {

  /** Every record type that travels on the bus by reference. */
  static final List<Class<?>> TYPES = List.of(ErrorEvent.class, WriteRequest.class, WriteResult.class,
      TicketWork.class, StoredErrors.class, TicketEvent.class, PartitionsAssigned.class, SpikeChange.class);

  private BusCodecs() {
  }

  /** Registers a {@link LocalCodec} as the default codec of each bus record type. */
  public static void register(EventBus bus) {
    for (Class<?> type : TYPES) {
      registerOne(bus, type);
    }
  }

  private static <T> void registerOne(EventBus bus, Class<T> type) {
    bus.registerDefaultCodec(type, new LocalCodec<>(type));
  }
}
