// The baseline: bare Fastify answering a fixed page (the same bytes as the page under test),
// so the ratio measures what Optovik adds (session, queries, pricing, templates) and nothing else.
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const html = readFileSync(process.argv[2] ?? '', 'utf8');
const app = Fastify({ logger: false });
app.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(html));
const address = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(`bare listening at ${address}`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
