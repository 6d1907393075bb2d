import t from 'tap';
import { preparedName } from '../../src/db/prepared.js';

/** Which statement texts become named prepared statements (src/db/prepared.ts). */
const afterRuns = (text: string, runs: number) => {
  let name: string | undefined;
  for (let i = 0; i < runs; i++) name = preparedName(text);
  return name;
};

t.test('a parameterised text is prepared once it is hot, under one stable name', async (t) => {
  const text = 'SELECT id FROM prepared_name_probe WHERE id = $1';
  t.equal(afterRuns(text, 2), undefined, 'not after two runs');
  const name = preparedName(text);
  t.match(name, /^lc_[0-9a-f]{20}$/, 'named on the third');
  t.equal(preparedName(text), name, 'and keeps its name');
});

t.test('count(*) does not keep a statement unprepared', async (t) => {
  t.match(afterRuns('SELECT (SELECT count(*)::int FROM prepared_name_probe m WHERE m.c = c.id) AS n FROM c WHERE c.id = $1', 3), /^lc_/);
});

t.test('SELECT * and RETURNING * are never prepared (a new column would break them)', async (t) => {
  t.equal(afterRuns('SELECT * FROM prepared_name_probe WHERE id = $1', 5), undefined);
  t.equal(afterRuns('UPDATE prepared_name_probe SET a = $1 RETURNING *', 5), undefined);
  t.equal(afterRuns('SELECT count(*), p.* FROM prepared_name_probe p WHERE id = $1', 5), undefined);
});
