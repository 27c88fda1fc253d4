import { describe, expect, it } from 'vitest';
import { SpacedAnnouncements } from '../../../src/store/inbox-add.js';
import { waitFor } from '../../support/wait.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Announcements spaced by `spacingMs` on a clock the test sets (`at`), recording each notice of its own. The
 * window's end is still a real timer, for the time the clock says is left.
 */
function recorded(spacingMs: number, fail = false) {
  let clock = 0;
  const sent: { at: number; realMs: number }[] = [];
  const announcements = new SpacedAnnouncements(
    spacingMs,
    () => {
      sent.push({ at: clock, realMs: performance.now() });
      return fail ? Promise.reject(new Error('connection ended')) : Promise.resolve();
    },
    () => clock,
  );
  return { announcements, sent, at: (ms: number) => (clock = ms) };
}

describe('SpacedAnnouncements: which of the inbox batches tell the workers', () => {
  it('a batch announces itself when none has within the spacing; those after it within the spacing do not', () => {
    const { announcements, sent, at } = recorded(100);
    expect(announcements.takeTurn()).toBe(true);
    at(50);
    expect(announcements.takeTurn()).toBe(false);
    at(99);
    expect(announcements.takeTurn()).toBe(false);
    at(100);
    expect(announcements.takeTurn()).toBe(true);
    expect(sent).toEqual([]);
  });

  it('batches that went in unannounced are announced once, when the spacing has passed', async () => {
    const { announcements, sent, at } = recorded(150);
    expect(announcements.takeTurn()).toBe(true);
    at(10);
    const owedAt = performance.now();
    for (let i = 0; i < 3; i += 1) {
      expect(announcements.takeTurn()).toBe(false);
      announcements.owe();
    }
    expect(sent).toEqual([]);
    await waitFor(() => sent.length > 0, 5_000);
    await sleep(50);
    expect(sent).toHaveLength(1);
    // Sent when the 140 ms the clock said were left had passed.
    expect(sent[0]!.realMs - owedAt).toBeGreaterThanOrEqual(135);
    // That notice counts as an announcement: a batch within the spacing after it does not announce itself.
    at(100);
    expect(announcements.takeTurn()).toBe(false);
    at(160);
    expect(announcements.takeTurn()).toBe(true);
  });

  it('a batch that went in unannounced and committed after the spacing had passed is announced at once', () => {
    const { announcements, sent, at } = recorded(50);
    expect(announcements.takeTurn()).toBe(true);
    at(10);
    expect(announcements.takeTurn()).toBe(false);
    at(80);
    announcements.owe();
    expect(sent).toEqual([{ at: 80, realMs: expect.any(Number) }]);
  });

  it('a notice that fails is dropped (workers poll as well), and later ones are still sent', async () => {
    const { announcements, sent, at } = recorded(30, true);
    announcements.takeTurn();
    at(10);
    announcements.takeTurn();
    at(60);
    announcements.owe();
    at(200);
    expect(announcements.takeTurn()).toBe(true);
    at(210);
    expect(announcements.takeTurn()).toBe(false);
    at(300);
    announcements.owe();
    // Rejected notices settle here: an unhandled one would fail the run.
    await sleep(20);
    expect(sent.map((notice) => notice.at)).toEqual([60, 300]);
  });
});
