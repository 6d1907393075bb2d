import t from 'tap';
import { conditionsMet, emailNormalize, fetchNextStep, isLastStep, welcomeSteps, type ChatbotScript, type ChatbotStep } from '../../src/livechat/chatbot-script.js';

/** A step with answers `answers` (ids) and "Only If" answers grouped by question id. */
function step(id: number, sequence: number, type: string, answers: number[] = [], triggers: Record<number, number[]> = {}): ChatbotStep {
  return {
    id, sequence, type, message: `step ${id}`, crmTeamId: null, helpdeskTeamId: null,
    answers: answers.map((a, i) => ({ id: a, name: `answer ${a}`, sequence: i, redirectLink: false, stepId: id })),
    triggersByQuestion: new Map(Object.entries(triggers).map(([q, as]) => [Number(q), new Set(as)])),
  };
}

// Odoo's docstring: STEP 1: A B, STEP 2: C D, STEP 3: E, STEP 4 only if A B C E
const A = 11; const B = 12; const C = 21; const D = 22; const E = 31;
const s1 = step(1, 1, 'question_selection', [A, B]);
const s2 = step(2, 2, 'question_selection', [C, D]);
const s3 = step(3, 3, 'question_selection', [E]);
const s4 = step(4, 4, 'text', [], { 1: [A, B], 2: [C], 3: [E] });
const s5 = step(5, 5, 'text');
const script: ChatbotScript = { id: 1, title: 'T', active: true, operatorPartnerId: 9, sourceId: null, steps: [s1, s2, s3, s4, s5] };

t.test('Only If: answers of one question are alternatives, different questions must all match', async (t) => {
  t.ok(conditionsMet(s4, new Set([A, C, E])), 'A C E: shown');
  t.notOk(conditionsMet(s4, new Set([B, D, E])), 'B D E: not shown (D is not C)');
  t.ok(conditionsMet(s4, new Set([B, C, E])), 'B C E: shown (B is as good as A)');
  t.notOk(conditionsMet(s4, new Set([A, C])), 'A C without E: not shown');
  t.ok(conditionsMet(s5, new Set()), 'no condition: always shown');
  t.equal(fetchNextStep(script, s3, new Set([A, C, E]))?.id, 4);
  t.equal(fetchNextStep(script, s3, new Set([B, D, E]))?.id, 5, 'a step whose condition fails is skipped');
  t.equal(fetchNextStep(script, s5, new Set([A])), null, 'nothing after the last step');
});

t.test('last step: not a question, and nothing follows with these answers', async (t) => {
  t.notOk(isLastStep(script, s3, new Set()), 'a question is never last');
  t.notOk(isLastStep(script, s4, new Set()), 'step 5 follows');
  t.ok(isLastStep(script, s5, new Set()));
  const shortScript: ChatbotScript = { ...script, steps: [s4] };
  t.ok(isLastStep(shortScript, { ...s5, sequence: 0, type: 'text' }, new Set([B])), 'a text whose only follower is not shown is last');
});

t.test('welcome steps: up to and including the first step that is not a text', async (t) => {
  const text = (id: number) => step(id, id, 'text');
  t.same(welcomeSteps([text(1), text(2), s2, text(9)]).map((s) => s.id), [1, 2, 2]);
  t.same(welcomeSteps([text(1), text(2)]).map((s) => s.id), [1, 2], 'all of them when all are texts');
  t.same(welcomeSteps([{ step_type: 'forward_operator' }, { step_type: 'text' }]), [{ step_type: 'forward_operator' }]);
});

t.test('email_normalize: one address, bare or named; lower-cased', async (t) => {
  t.equal(emailNormalize('Jane.Doe@Example.COM'), 'jane.doe@example.com');
  t.equal(emailNormalize('  jane@example.com  '), 'jane@example.com');
  t.equal(emailNormalize('Jane Doe <Jane@Example.com>'), 'jane@example.com');
  t.equal(emailNormalize('"Doe, Jane" <jane@example.com>'), 'jane@example.com');
  t.equal(emailNormalize('jéan@Example.com'), 'jéan@example.com', 'a non-ASCII local part keeps its case');
  for (const bad of ['', 'not an email', 'jane@', '@example.com', 'jane@example.com bob@example.com', 'jane doe@example.com', 'a@b@c']) {
    t.equal(emailNormalize(bad), false, JSON.stringify(bad));
  }
});
