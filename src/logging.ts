import { pino, type Logger, type LoggerOptions } from 'pino';

// Anything that grants access is kept out of log lines, whatever path it comes through.
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["stripe-signature"]',
  '*.secret',
  '*.secretKey',
  '*.webhookSecret',
  '*.webhookSecrets',
  '*.adminToken',
  '*.orderRefSecret',
  '*.accessToken',
  '*.password',
];

function scrubUrl(url: string): string {
  return url.replace(/\/access\/[^/?#]+/g, '/access/[redacted]').replace(/([?&](token|key|secret)=)[^&#]*/gi, '$1[redacted]');
}

export function createLogger(options: { level: string; destination?: pino.DestinationStream }): Logger {
  const config: LoggerOptions = {
    level: options.level,
    redact: { paths: REDACT, censor: '[redacted]' },
    serializers: {
      req: (req: { method?: string; url?: string; ip?: string; id?: string }) => ({
        id: req.id,
        method: req.method,
        url: req.url === undefined ? undefined : scrubUrl(req.url),
        remoteAddress: req.ip,
      }),
    },
  };
  return options.destination ? pino(config, options.destination) : pino(config);
}

/** What a store's broken database connection becomes: a log line, never the end of the process (the next query reconnects). */
export function connectionErrorLogger(logger: Pick<Logger, 'warn'>): (error: Error) => void {
  return (error) => logger.warn({ err: error.message }, 'database connection lost; the next query reconnects');
}
