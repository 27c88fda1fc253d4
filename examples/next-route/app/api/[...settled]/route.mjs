// app/api/[...settled]/route.js in a Next.js app: settled answers everything under /api/.
import { settledFetch } from 'settled';
import { settled } from '../../../lib/settled.mjs';

const handler = settledFetch(settled);
export const GET = handler;
export const POST = handler;
// The webhook must be answered by Node (SQLite, raw body), never cached.
export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';
