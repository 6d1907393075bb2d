import { notificationJson, type Bus, type BusRow } from './bus.js';

/** What the fan-out needs of a connected client: where to send and what it has seen. */
export interface Subscriber {
  /** Channel keys (compact JSON) the subscriber may hear. */
  channels: Set<string>;
  /** Highest notification id sent to the subscriber. */
  lastId: number;
  /** Sends one text frame (a Buffer holds its UTF-8 bytes, shared by every subscriber getting the same frame). */
  send(frame: string | Buffer): void;
}

interface State { syncing: boolean; missed: boolean }

const BATCH = 5000;
/** Notification type sent when a client resumes from an id older than the replay window. */
export const RELOAD_REQUIRED = 'bus.bus/reload_required';

/** The notification telling a client that resumed from `last` that some of what it missed is gone. */
export const reloadRequired = (last: number) => ({ id: last, message: { type: RELOAD_REQUIRED, payload: { reason: 'replay_window_exceeded', last } } });

/**
 * Delivers new notifications to every subscriber of the instance. One read of bus_bus per wake-up
 * serves all subscribers (rows after the instance cursor, whatever their channel); each
 * subscriber then gets one frame with the rows of its channels it has not seen, in id order.
 */
export class Fanout {
  private readonly byChannel = new Map<string, Set<Subscriber>>();
  private readonly states = new Map<Subscriber, State>();
  private cursor = 0;
  private running: Promise<void> | undefined;
  private again = false;
  /** Frames (one per subscriber per batch) and notifications delivered since start. */
  framesSent = 0;
  notificationsDelivered = 0;
  /** Seconds between a notification's creation and its dispatch, for the last batch. */
  lagSeconds = 0;

  constructor(private readonly bus: Bus) {}

  get subscriberCount(): number { return this.states.size; }

  async init(): Promise<void> {
    this.cursor = await this.bus.maxId();
  }

  /** Something may have been written: read what is new (coalesces concurrent wake-ups). */
  wake(): Promise<void> {
    if (this.running) { this.again = true; return this.running; }
    this.running = this.drain().finally(() => { this.running = undefined; });
    return this.running;
  }

  private async drain(): Promise<void> {
    do {
      this.again = false;
      const rows = await this.bus.rowsAfter(this.cursor, BATCH);
      if (!rows.length) continue;
      this.cursor = rows[rows.length - 1]!.id;
      this.deliver(rows);
      const created = Date.parse(`${String(rows[rows.length - 1]!.create_date).replace(' ', 'T')}Z`);
      if (Number.isFinite(created)) this.lagSeconds = Math.max(0, (Date.now() - created) / 1000);
      if (rows.length === BATCH) this.again = true;
    } while (this.again);
  }

  private deliver(rows: BusRow[]): void {
    const picked = new Map<Subscriber, BusRow[]>();
    for (const row of rows) {
      const subscribers = this.byChannel.get(row.channel);
      if (!subscribers) continue;
      for (const sub of subscribers) {
        const state = this.states.get(sub)!;
        if (state.syncing) { state.missed = true; continue; }
        if (row.id <= sub.lastId) continue;
        let list = picked.get(sub);
        if (!list) picked.set(sub, (list = []));
        list.push(row);
        sub.lastId = row.id;
      }
    }
    // subscribers getting the same rows get the same frame, encoded once: a message to a channel
    // of 10,000 members is serialised once, not 10,000 times
    const frames = new Map<string, { bytes: Buffer; count: number }>();
    for (const [sub, list] of picked) {
      const key = list.length === 1 ? String(list[0]!.id) : list.map((r) => r.id).join(',');
      let frame = frames.get(key);
      if (!frame) frames.set(key, (frame = { bytes: Buffer.from(`[${list.map(notificationJson).join(',')}]`), count: list.length }));
      this.framesSent++;
      this.notificationsDelivered += frame.count;
      sub.send(frame.bytes);
    }
  }

  private emit(sub: Subscriber, parts: string[]): void {
    this.framesSent++;
    this.notificationsDelivered += parts.length;
    sub.send(`[${parts.join(',')}]`);
  }

  /**
   * (Re)subscribes: replaces the channel set, then sends what the client missed since `last`
   * (ids after it, or the last 50 s for 0) before any live notification, in order, exactly once.
   */
  async subscribe(sub: Subscriber, channels: Set<string>, last: number): Promise<void> {
    this.detach(sub);
    sub.channels = channels;
    const state: State = { syncing: true, missed: false };
    this.states.set(sub, state);
    for (const c of channels) {
      let set = this.byChannel.get(c);
      if (!set) this.byChannel.set(c, (set = new Set()));
      set.add(sub);
    }
    // a `last` beyond the newest id means the database was reset: start over (bus.bus._poll); one
    // older than the replay window first gets a notification telling the client to reload
    const { from, missed } = await this.bus.resumeFrom(last);
    if (this.states.get(sub) !== state) return;
    let prefix = missed ? [JSON.stringify(reloadRequired(from))] : [];
    sub.lastId = from;
    for (;;) {
      state.missed = false;
      const rows = await this.bus.poll([...channels], sub.lastId);
      if (this.states.get(sub) !== state) return; // resubscribed or closed meanwhile
      const fresh = rows.filter((r) => r.id > sub.lastId);
      if (fresh.length || prefix.length) {
        this.emit(sub, [...prefix, ...fresh.map(notificationJson)]);
        prefix = [];
        if (fresh.length) sub.lastId = fresh[fresh.length - 1]!.id;
      }
      // a first poll (last 0) continues from what the instance has already read
      if (sub.lastId === 0) sub.lastId = this.cursor;
      if (!state.missed) break;
    }
    state.syncing = false;
  }

  /** Forgets a closed client. */
  detach(sub: Subscriber): void {
    if (!this.states.delete(sub)) return;
    for (const c of sub.channels) {
      const set = this.byChannel.get(c);
      set?.delete(sub);
      if (set && !set.size) this.byChannel.delete(c);
    }
  }
}
