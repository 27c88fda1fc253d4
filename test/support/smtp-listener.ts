import { createServer, type AddressInfo, type Server } from 'node:net';

export interface ReceivedMail {
  readonly from: string;
  readonly to: readonly string[];
  /** The DATA section as sent, dot-stuffing undone. */
  readonly data: string;
}

export interface SmtpListener {
  readonly port: number;
  readonly mails: ReceivedMail[];
  close(): Promise<void>;
}

/** Just enough SMTP (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT; no TLS, no AUTH) to receive what nodemailer sends. */
export async function startSmtpListener(): Promise<SmtpListener> {
  const mails: ReceivedMail[] = [];
  const server: Server = createServer((socket) => {
    let buffer = '';
    let inData = false;
    let from = '';
    let to: string[] = [];
    let data: string[] = [];
    const reply = (line: string): void => void socket.write(`${line}\r\n`);
    reply('220 localhost ESMTP test');
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let index: number;
      while ((index = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, index);
        buffer = buffer.slice(index + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            mails.push({ from, to, data: data.join('\r\n') });
            reply('250 queued');
          } else data.push(line.startsWith('..') ? line.slice(1) : line);
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === 'EHLO') reply('250 localhost');
        else if (verb === 'HELO') reply('250 localhost');
        else if (verb === 'MAIL') {
          from = line.slice(line.indexOf(':') + 1).trim();
          to = [];
          reply('250 ok');
        } else if (verb === 'RCPT') {
          to.push(line.slice(line.indexOf(':') + 1).trim());
          reply('250 ok');
        } else if (verb === 'DATA') {
          inData = true;
          data = [];
          reply('354 end with .');
        } else if (verb === 'RSET' || verb === 'NOOP') reply('250 ok');
        else if (verb === 'QUIT') {
          reply('221 bye');
          socket.end();
        } else reply('502 not implemented');
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    mails,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
