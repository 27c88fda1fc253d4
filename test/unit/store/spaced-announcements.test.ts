import { describe, expect, it } from 'vitest';
import { SpacedAnnouncements } from '../../../src/store/inbox-add.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Announcements spaced by `spacingMs`, recording when each notice of its own was sent. */
function recorded(spacingMs: number, fail = false) {
  const sent: number[] = [];
  const announcements = new SpacedAnnouncements(spacingMs, () => {
    sent.push(performance.now());
    return fail ? Promise.reject(new Error('connection ended')) : Promise.resolve();
  });
  return { announcements, sent };
}

describe('SpacedAnnouncements: which of the inbox batches tell the workers', () => {
  it('a batch announces itself when none has within the spacing; those after it within the spacing do not', async () => {
    const { announcements, sent } = recorded(100);
    expect(announcements.takeTurn()).toBe(true);
    expect(announcements.takeTurn()).toBe(false);
    expect(announcements.takeTurn()).toBe(false);
    await sleep(120);
    expect(announcements.takeTurn()).toBe(true);
    expect(sent).toEqual([]);
  });

  it('batches that went in unannounced are announced once, when the spacing has passed', async () => {
    const { announcements, sent } = recorded(150);
    const first = performance.now();
    expect(announcements.takeTurn()).toBe(true);
    for (let i = 0; i < 3; i += 1) {
      expect(announcements.takeTurn()).toBe(false);
      announcements.owe();
    }
    expect(sent).toEqual([]);
    await sleep(250);
    expect(sent).toHaveLength(1);
    expect(sent[0]! - first).toBeGreaterThanOrEqual(140);
    // That notice counts as an announcement: the next batch, right after it, does not announce itself.
    expect(announcements.takeTurn()).toBe(false);
  });

  it('a batch that went in unannounced and committed after the spacing had passed is announced at once', async () => {
    const { announcements, sent } = recorded(50);
    expect(announcements.takeTurn()).toBe(true);
    expect(announcements.takeTurn()).toBe(false);
    await sleep(80);
    announcements.owe();
    expect(sent).toHaveLength(1);
  });

  it('a notice that fails is dropped (workers poll as well), and later ones are still sent', async () => {
    const { announcements, sent } = recorded(30, true);
    announcements.takeTurn();
    announcements.takeTurn();
    announcements.owe();
    await sleep(60);
    announcements.takeTurn();
    await sleep(40);
    announcements.owe();
    expect(sent).toHaveLength(2);
  });
});
