import type { AddressInfo } from 'node:net';
import BetterSqlite3 from 'better-sqlite3';
import express from 'express';
import Stripe from 'stripe';
import { announceReady, requiredEnv } from './ready.js';

// The design the tutorials teach: verify with constructEvent, look the event up, insert it if new — one
// autocommit (one durable commit) per event. Same durability settings as settled's SQLite store.
const secret = requiredEnv('BENCH_SECRET');
const database = new BetterSqlite3(requiredEnv('BENCH_SQLITE_PATH'));
database.pragma('journal_mode = WAL');
database.pragma('synchronous = FULL');
database.exec('create table if not exists processed_events (id text primary key, type text not null, payload text not null, received_at integer not null)');
const find = database.prepare('select id from processed_events where id = ?');
const insert = database.prepare('insert into processed_events (id, type, payload, received_at) values (?, ?, ?, ?)');
const stripe = new Stripe('sk_test_seed_reference');

const app = express();
app.post('/webhook', express.raw({ type: 'application/json', limit: '1mb' }), (request, response) => {
  let event: Stripe.Event;
  try {
    event = stripe.webhooks.constructEvent(request.body as Buffer, request.headers['stripe-signature'] ?? '', secret, 300);
  } catch {
    response.status(400).send('bad signature');
    return;
  }
  if (find.get(event.id) === undefined) {
    insert.run(event.id, event.type, (request.body as Buffer).toString('utf8'), Date.now());
  }
  response.json({ received: true });
});
const server = app.listen(0, '127.0.0.1', () => {
  announceReady((server.address() as AddressInfo).port, async () => {
    server.close();
    database.close();
  });
});
