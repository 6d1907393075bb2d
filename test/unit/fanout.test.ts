import t from 'tap';
import type { Bus, BusRow } from '../../src/bus/bus.js';
import { Fanout, type Subscriber } from '../../src/bus/fanout.js';

/** A bus whose table is an array: what Fanout reads of it. */
function fakeBus(rows: BusRow[]): Bus {
  return {
    rowsAfter: async (cursor: number, limit: number) => rows.filter((r) => r.id > cursor).slice(0, limit),
    maxId: async () => rows.reduce((m, r) => Math.max(m, r.id), 0),
    resumeFrom: async (last: number) => ({ from: last, missed: false }),
    poll: async (channels: string[], last: number) => rows.filter((r) => channels.includes(r.channel) && r.id > last),
  } as unknown as Bus;
}

function subscriber(): Subscriber & { frames: (string | Buffer)[] } {
  const frames: (string | Buffer)[] = [];
  return { channels: new Set(), lastId: 0, frames, send: (f) => { frames.push(f); } };
}

const row = (id: number, channel: string, type: string): BusRow => ({ id, channel, message: JSON.stringify({ type, payload: { id } }), create_date: '2026-01-01 00:00:00' });

t.test('subscribers getting the same notifications share one encoded frame', async (t) => {
  const rows: BusRow[] = [];
  const bus = fakeBus(rows);
  const fanout = new Fanout(bus);
  await fanout.init();
  const members = Array.from({ length: 50 }, subscriber);
  const other = subscriber();
  for (const m of members) await fanout.subscribe(m, new Set(['big', `own-${members.indexOf(m)}`]), 0);
  await fanout.subscribe(other, new Set(['big', 'other']), 0);
  rows.push(row(1, 'big', 'discuss.channel/new_message'), row(2, 'other', 'x'), row(3, 'own-7', 'y'));
  await fanout.wake();

  const shared = members[0]!.frames[0]!;
  t.ok(Buffer.isBuffer(shared));
  t.ok(members.filter((m, i) => i !== 7).every((m) => m.frames.length === 1 && m.frames[0] === shared), 'one Buffer for every member with the same rows');
  t.same(JSON.parse(shared.toString()), [{ id: 1, message: { type: 'discuss.channel/new_message', payload: { id: 1 } } }]);
  t.same(JSON.parse(members[7]!.frames[0]!.toString()).map((n: { id: number }) => n.id), [1, 3], 'its own frame, in id order');
  t.same(JSON.parse(other.frames[0]!.toString()).map((n: { id: number }) => n.id), [1, 2]);
  t.equal(fanout.framesSent, 51);
  t.equal(fanout.notificationsDelivered, 49 + 2 + 2);
  t.ok([...members, other].every((s) => s.lastId === Math.max(...JSON.parse(s.frames[0]!.toString()).map((n: { id: number }) => n.id))));

  rows.push(row(4, 'big', 'z'));
  await fanout.wake();
  t.ok(members.every((m) => m.frames.length === 2 && m.frames[1] === members[0]!.frames[1]), 'the next notification once more, nothing twice');
});
