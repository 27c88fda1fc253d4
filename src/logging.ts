import { pino, type Logger, type LoggerOptions } from 'pino';
import { PinoPretty } from 'pino-pretty';

export type LogFormat = 'auto' | 'json' | 'pretty';

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

export function scrubUrl(url: string): string {
  return url.replace(/\/access\/[^/?#]+/g, '/access/[redacted]').replace(/([?&](token|key|secret)=)[^&#]*/gi, '$1[redacted]');
}

/** What `auto` means: readable lines for a person at a terminal, JSON lines for a file, a pipe or a log collector. */
export function resolveLogFormat(format: LogFormat, isTerminal: boolean): 'json' | 'pretty' {
  if (format === 'auto') return isTerminal ? 'pretty' : 'json';
  return format;
}

/** One short line per entry (time, level, message, the few fields that matter), coloured only on a terminal. */
function prettyStdout(): pino.DestinationStream {
  return PinoPretty({
    destination: 1,
    sync: true,
    colorize: process.stdout.isTTY === true,
    translateTime: 'SYS:HH:MM:ss',
    ignore: 'pid,hostname,reqId,req,res,responseTime',
    singleLine: true,
  });
}

export function createLogger(options: { level: string; format?: LogFormat; destination?: pino.DestinationStream }): Logger {
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
  if (options.destination) return pino(config, options.destination);
  if (resolveLogFormat(options.format ?? 'json', process.stdout.isTTY === true) === 'pretty') return pino(config, prettyStdout());
  return pino(config);
}

/** What a store's broken database connection becomes: a log line, never the end of the process (the next query reconnects). */
export function connectionErrorLogger(logger: Pick<Logger, 'warn'>): (error: Error) => void {
  return (error) => logger.warn({ err: error.message }, 'database connection lost; the next query reconnects');
}
