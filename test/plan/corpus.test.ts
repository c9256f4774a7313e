import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compilePlan } from '../../src/graph/compile.js';

// The 20 real plans beside the checkout (../shared/corpus/real-plans); never copied into the project.
const corpus = fileURLToPath(new URL('../../../shared/corpus/real-plans/', import.meta.url));
const present = existsSync(corpus);

// Every task of every plan, in file order (counted by hand against each file; SOURCES.md agrees).
const EXPECTED: Record<string, string> = {
  '01-vibe-coder-memory-mode-plan.md': 'T0 T1 T2 T3 T4 T6a T5 T6 T7 T8 T9 T10 T11 T12',
  '02-retrieval-speed-quality-swarm-plan.md':
    'T0 T1 T2 T3a T3b T4 T5 T6 T7 T8a T8b T9a T9b T10 T11',
  '03-context-engine-mcp-sequential-plan.md':
    'S1A S1B S1C S1D S2A S2B S2C S3A S4A S4B S4C S4D S5A S5B S5C S6A S6B S7A S7B S8A S8B S9A S9B S10A S10B',
  '04-monopoly-src-rename-swarm-plan.md': 'T0 T1 T2 T3 T4 T5 T6 T7 T8',
  '05-modular-strategy-modeling-plan.md': 'T1 T2 T3 T4 T5 T6 T7 T8 T9 T10',
  '06-epic-duckdb-plan.md':
    'T040-1 T040-2 T040-3 T040-4 T040-5 T040-6 T041-1 T041-2 T042-1 T042-2 T042-3 T042-4 T043-1 T043-2 T043-3 T043-4 T043-5 T043-6 T043-7',
  '07-cvd-divergence-msb-plan.md': 'T1 T2 T3 T4 T5 T6 T7 T0 T8',
  '08-limux-tab-dnd-swarm-plan.md': 'T1 T2 T3 T4 T5 T6 T7 T8',
  '09-limux-layout-persistence-plan.md': 'T1 T2 T3 T4 T5 T6 T7 T8',
  '10-limux-dependency-policy-plan.md': 'T1 T2 T3 T4',
  '11-pipenv-modernization-plan.md':
    'T0.1 T0.2 T_A.1 T_A.2 T_A.3 T_A.4 T_B.1 T_B.2 T_B.3 T_B.4 T_B.5 T_B.7 T_B.6 T_C.2 T_C.3 T_C.4 T_C.5 T_C.6 T_C.7 T_C.8 T_C.9 T_D.1 T_D.2 T_D.3 T_D.4 T_D.5 T_D.6 T_E.1 T_E.2 T_E.3 T_E.4 T_F.1 T_F.2 T_F.3 T_F.4 T_F.5a T_F.5 T_F.6 T_F.7',
  '12-pipenv-initiative-f-plan.md': 'A1 A2 B1 B2 B3 C1 C2 C3 C4 D1',
  '13-botsalinha-rag-juridico-v2-plan.md': 'T1 T2 T3 T4 T5 T6 T7 T8a T8b T9 T10 T11 T12a T12 T13',
  '14-exam-prep-course-analysis-plan.md': 'T1 T2 T3 T4 T5 T6 T7 T8 T9 T10 T11 T12',
  '15-exam-prep-parallel-mismatch-plan.md': 'T1 T2 T3 T4',
  '16-exam-prep-integration-fix-plan.md': 'T1 T2 T3 T4 T5 T6',
  '17-taskery-plan.md': 'T0 T1 T2 T3a T3b T4 T5 T6 T7 T8 T9 T10a T10b T10c T10d T11',
  '18-lightnvr-go2rtc-override-plan.md':
    'T1 T2 T3 T4 T4b T5 T6 T7 T8 T9 T10 T11 T11b T12 T13 T14 T15',
  '19-lightnvr-uxd01-prd-tasks-plan.md': 'T1 T3 T4 T2 T5 T6',
  '20-tjdft-mcp-plan.md': 'T1 T2 T3 T4 T5 T6 T7 T8 T9 T10 T11 T12 T13 T14 T15 T16',
};

describe.skipIf(!present)('real plans corpus (../shared/corpus/real-plans)', () => {
  it('has the 20 plans this test knows', () => {
    expect(
      readdirSync(corpus)
        .filter((f) => f.endsWith('-plan.md'))
        .sort(),
    ).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [file, ids] of Object.entries(EXPECTED)) {
    it(`${file}: compiles with every task found`, () => {
      const compiled = compilePlan(readFileSync(corpus + file, 'utf8'), file);
      expect(compiled.plan.tasks.map((task) => task.id).join(' ')).toBe(ids);
      for (const task of compiled.plan.tasks) {
        expect(task.name.length, `${task.id} has a name`).toBeGreaterThan(0);
        expect(task.fields.length, `${task.id} has fields`).toBeGreaterThan(2);
      }
      // Acyclic plans get waves covering every task.
      if (!compiled.diagnostics.some((d) => d.code === 'CCG203' || d.code === 'CCG102'))
        expect(compiled.graph.waves.flat().length).toBe(compiled.plan.tasks.length);
    });
  }
});

if (!present)
  it.skip('real plans corpus: ../shared/corpus/real-plans is absent beside this checkout', () => {});
