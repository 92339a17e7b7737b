import type { EventMap, EventName } from './contract/channels';

type Listener<E extends EventName> = (payload: EventMap[E]) => void;
type AnyListener = <E extends EventName>(event: E, payload: EventMap[E]) => void;

/** A tiny typed emitter: hosts subscribe once and forward (IPC to the window, stderr in the CLI). */
export class CoreEvents {
  private readonly listeners = new Map<EventName, Set<Listener<EventName>>>();
  private readonly anyListeners = new Set<AnyListener>();

  on<E extends EventName>(event: E, listener: Listener<E>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as Listener<EventName>);
    return () => set.delete(listener as Listener<EventName>);
  }

  /** Every event, for hosts that forward everything (the IPC bridge). */
  onAny(listener: AnyListener): () => void {
    this.anyListeners.add(listener);
    return () => this.anyListeners.delete(listener);
  }

  emit<E extends EventName>(event: E, payload: EventMap[E]): void {
    for (const listener of this.listeners.get(event) ?? []) listener(payload);
    for (const listener of this.anyListeners) listener(event, payload);
  }
}
