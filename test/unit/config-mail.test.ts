import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

function problems(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadConfig: confirmation mail', () => {
  it('has no SMTP by default, so serve records confirmations to a file', () => {
    expect(loadConfig({}).mail).toEqual({ smtpUrl: undefined, from: undefined });
  });

  it('takes SMTP_URL and MAIL_FROM together', () => {
    const config = loadConfig({ SMTP_URL: 'smtp://mailer:pw@mail.example:587', MAIL_FROM: 'Shop <orders@shop.example>' });
    expect(config.mail).toEqual({ smtpUrl: 'smtp://mailer:pw@mail.example:587', from: 'Shop <orders@shop.example>' });
    expect(loadConfig({ SMTP_URL: 'smtps://mail.example', MAIL_FROM: 'orders@shop.example' }).mail.from).toBe('orders@shop.example');
  });

  it('asks for MAIL_FROM when SMTP_URL is set', () => {
    expect(problems({ SMTP_URL: 'smtp://mail.example:587' })).toEqual([expect.stringMatching(/^MAIL_FROM: required/)]);
  });

  it('refuses a URL that is not SMTP and a From that is not an address, never echoing the password', () => {
    const found = problems({ SMTP_URL: 'https://mailer:hunter2-secret@mail.example', MAIL_FROM: 'not an address' });
    expect(found).toHaveLength(2);
    expect(found.join('\n')).toMatch(/SMTP_URL: must be an smtp/);
    expect(found.join('\n')).toMatch(/MAIL_FROM: must be an address/);
    expect(found.join('\n')).not.toContain('hunter2-secret');
    const unparsable = problems({ SMTP_URL: 'smtp://mailer:hunter2-secret@[bad', MAIL_FROM: 'orders@shop.example' });
    expect(unparsable).toEqual(['SMTP_URL: is not a valid URL (smtp://user:pass@host:587)']);
  });
});
